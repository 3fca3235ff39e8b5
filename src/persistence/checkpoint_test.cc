// Checkpoints: the file format (every kind of damage is detected), and SAVE/BGSAVE with recovery
// (checkpoint + the AOF from the position it names) reproducing the live data exactly, also when
// writes continue during the checkpoint.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "persistence/aof_format.h"
#include "persistence/aof_writer.h"
#include "persistence/checkpoint_format.h"
#include "persistence/checkpointer.h"
#include "persistence/persistence_test_util.h"
#include "persistence/recovery.h"

namespace ferrite::persistence {
namespace {

using testing::Dump;
using testing::Exec;
using testing::ExpectSameData;
using testing::NewStore;
using testing::TempDir;

// ---- Format ----

std::string WriteSmallCheckpoint(const std::string& path) {
  auto w = CheckpointWriter::Create(PosixIo(), path, 1700000000000, 4);
  EXPECT_TRUE(w);
  std::string frames;
  storage::RecordView a;
  a.value = "hello";
  AppendKeyFrame(&frames, 0, "a", a);
  storage::RecordView b;
  b.value = "world";
  b.expire_at_ms = 1800000000000;
  AppendKeyFrame(&frames, 3, "b", b);
  storage::ListObject list;
  list.PushBack("x");
  list.PushBack("y");
  storage::RecordView l;
  l.type = storage::ValueType::kList;
  l.object = &list;
  AppendKeyFrame(&frames, 1, "l", l);
  std::string resp;
  std::string_view cmd[] = {"INCR", "n"};
  AppendCommand(&resp, cmd);
  AppendCommandsFrame(&frames, 2, resp);
  EXPECT_TRUE((*w)->WriteFrames(frames).ok());
  EXPECT_TRUE((*w)->Finish(true, "0123456789abcdef0123456789abcdef", 4242, 2, 1700000001000).ok());
  auto bytes = ReadWholeFile(PosixIo(), path);
  EXPECT_TRUE(bytes);
  return *bytes;
}

TEST(CheckpointFormat, RoundTripsKeysCommandsAndTrailer) {
  TempDir dir;
  std::string path = dir.path() + "/c.fcp";
  WriteSmallCheckpoint(path);
  std::vector<std::string> seen;
  CheckpointVisitor v;
  v.key = [&](storage::DbIndex db, std::string_view key, storage::ValueType type, int64_t exp,
              std::string_view value) {
    std::string text = std::to_string(db) + ":" + std::string(key) + ":" +
                       std::to_string(static_cast<int>(type)) + ":" + std::to_string(exp);
    if (type == storage::ValueType::kString) {
      text += ":" + std::string(value);
    } else {
      auto obj = storage::DeserializeObject(type, value);
      EXPECT_TRUE(obj);
      text += ":len" + std::to_string((*obj)->Length());
    }
    seen.push_back(text);
    return Status::Ok();
  };
  v.commands = [&](storage::DbIndex db, std::string_view resp) {
    seen.push_back("cmd@" + std::to_string(db) + ":" + std::to_string(resp.size()));
    return Status::Ok();
  };
  CheckpointInfo info;
  Status st = ReadCheckpoint(PosixIo(), path, &v, &info);
  ASSERT_TRUE(st.ok()) << st.ToString();
  std::vector<std::string> expected = {
      "0:a:0:0:hello", "3:b:0:1800000000000:world", "1:l:1:0:len2",
      "cmd@2:" + std::to_string(EncodedSize(std::vector<std::string_view>{"INCR", "n"}))};
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(info.version, kCheckpointVersion);
  EXPECT_EQ(info.created_ms, 1700000000000);
  EXPECT_EQ(info.finished_ms, 1700000001000);
  EXPECT_EQ(info.databases, 4u);
  EXPECT_EQ(info.keys, 3u);
  EXPECT_EQ(info.command_records, 1u);
  EXPECT_EQ(info.records, 5u);  // header, 3 keys, 1 commands
  EXPECT_TRUE(info.aof_valid);
  EXPECT_EQ(info.aof_id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(info.aof_offset, 4242u);
  EXPECT_EQ(info.aof_db, 2u);
}

TEST(CheckpointFormat, EveryFlippedByteTruncationAndTrailingGarbageIsDetected) {
  TempDir dir;
  std::string good = dir.path() + "/good.fcp";
  std::string bytes = WriteSmallCheckpoint(good);
  std::string bad = dir.path() + "/bad.fcp";
  auto write = [&](const std::string& content) {
    auto f = PosixIo().Open(bad, true);
    ASSERT_TRUE(f);
    ASSERT_TRUE((*f)->Truncate(0).ok());
    ASSERT_TRUE((*f)->WriteAt(0, content.data(), content.size()).ok());
  };
  CheckpointInfo info;
  size_t undetected = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] ^= 0x20;
    write(damaged);
    Status st = ReadCheckpoint(PosixIo(), bad, nullptr, &info);
    if (st.ok()) {
      ++undetected;
    } else {
      EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
    }
  }
  EXPECT_EQ(undetected, 0u) << "of " << bytes.size() << " single-byte flips";
  for (size_t len = 0; len < bytes.size(); len += 7) {
    write(bytes.substr(0, len));
    EXPECT_FALSE(ReadCheckpoint(PosixIo(), bad, nullptr, &info).ok()) << "truncated to " << len;
  }
  write(bytes + "x");
  Status st = ReadCheckpoint(PosixIo(), bad, nullptr, &info);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("after the trailer"), std::string_view::npos) << st.ToString();
  // A damaged file is rejected before the visitor sees anything from it.
  std::string damaged = bytes;
  damaged[bytes.size() - 30] ^= 1;
  write(damaged);
  int calls = 0;
  CheckpointVisitor v;
  v.key = [&](auto...) {
    ++calls;
    return Status::Ok();
  };
  v.commands = [&](auto...) {
    ++calls;
    return Status::Ok();
  };
  EXPECT_FALSE(ReadCheckpoint(PosixIo(), bad, &v, &info).ok());
  EXPECT_EQ(calls, 0);
}

// ---- Checkpointer + recovery ----

struct Server {
  explicit Server(const std::string& dir, bool aof_enabled, storage::DbIndex dbs = 4) {
    store = NewStore(dbs);
    AofOptions o;
    o.dir = dir;
    o.sync = AofSync::kNo;
    o.enabled = aof_enabled;
    o.auto_rewrite_percentage = 0;
    auto w = AofWriter::Open(o, store.get(), &locks);
    EXPECT_TRUE(w) << w.error().ToString();
    aof = std::move(*w);
    CheckpointOptions c;
    c.dir = dir;
    c.changes = [this] { return changes.load(); };
    checkpointer = std::make_unique<Checkpointer>(c, store.get(), &locks, aof.get());
  }
  ~Server() {
    (void)checkpointer->Shutdown(false);
    (void)aof->Shutdown();
  }
  // One command the way the dispatcher runs it: key lock, execute, propagate, unlock.
  void Run(storage::StoreSession& s, storage::DbIndex db, std::vector<std::string_view> argv) {
    std::string_view key = argv[1];
    server::KeyLockGuard guard(locks, std::span<const std::string_view>(&key, 1));
    Status st = Exec(s, db, argv);
    ASSERT_TRUE(st.ok()) << st.ToString();
    aof->Propagate(db, argv);
    changes.fetch_add(1);
  }

  std::unique_ptr<storage::Store> store;
  server::KeyLockTable locks;
  std::unique_ptr<AofWriter> aof;
  std::unique_ptr<Checkpointer> checkpointer;
  std::atomic<int64_t> changes{0};
};

// Recovers `dir` into a fresh store the way the server does at startup.
std::unique_ptr<storage::Store> Recovered(const std::string& dir, bool aof, RecoveryReport* report,
                                          storage::DbIndex dbs = 4) {
  auto store = NewStore(dbs);
  auto s = store->NewSession();
  RecoveryOptions o;
  o.dir = dir;
  o.aof_enabled = aof;
  o.aof_path = dir + "/appendonly.aof";
  RecoveryHooks hooks;
  hooks.put = [&](storage::DbIndex db, std::string_view key, storage::RecordBuilder& rec) {
    return s->Upsert(db, key, rec);
  };
  hooks.apply = [&](storage::DbIndex db, std::span<const std::string_view> argv) {
    return Exec(*s, db, argv);
  };
  Status st = Recover(o, hooks, report);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return store;
}

void Populate(Server& srv, int n) {
  auto s = srv.store->NewSession();
  std::string far = std::to_string(storage::SystemClockMs() + 3600 * 1000);
  for (int i = 0; i < n; ++i) {
    std::string k = "key:" + std::to_string(i), v = "v" + std::to_string(i);
    srv.Run(*s, i % 4, {"SET", k, v});
    if (i % 10 == 0) srv.Run(*s, i % 4, {"RPUSH", "list:" + std::to_string(i), "a", "b", v});
    if (i % 10 == 1) srv.Run(*s, i % 4, {"HSET", "hash:" + std::to_string(i), "f", v, "g", "1"});
    if (i % 10 == 2) srv.Run(*s, i % 4, {"SADD", "set:" + std::to_string(i), "m1", v});
    if (i % 10 == 3)
      srv.Run(*s, i % 4, {"ZADD", "zset:" + std::to_string(i), "1.5", v, "-inf", "lo"});
    if (i % 10 == 4) srv.Run(*s, i % 4, {"SET", "ttl:" + std::to_string(i), v, "PXAT", far});
  }
}

TEST(Checkpoint, BgSaveWhileWritingRecoversExactlyFromCheckpointPlusAofTail) {
  TempDir dir;
  {
    Server srv(dir.path(), /*aof=*/true);
    Populate(srv, 4000);
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int t = 0; t < 3; ++t) {
      writers.emplace_back([&, t] {
        auto s = srv.store->NewSession();
        // At least 1,500 commands each, and on until the checkpoint is done (at most 30,000).
        for (int i = 0; (!stop.load() || i < 1500) && i < 30000; ++i) {
          auto db = static_cast<storage::DbIndex>(t);
          srv.Run(*s, db, {"INCR", "ctr:" + std::to_string((i * 7 + t) % 50)});
          std::string k = "key:" + std::to_string((i * 13 + t) % 5000);
          if (i % 5 == 0) {
            srv.Run(*s, db, {"DEL", k});
          } else if (i % 5 == 1) {
            srv.Run(*s, db,
                    {"RPUSH", "list:" + std::to_string(i % 400 * 10), "w" + std::to_string(i)});
          } else {
            srv.Run(*s, db, {"SET", k, "w" + std::to_string(t) + "-" + std::to_string(i)});
          }
        }
      });
    }
    auto started = srv.checkpointer->BgSave(false);
    ASSERT_TRUE(started) << started.error().ToString();
    EXPECT_EQ(*started, "Background saving started");
    srv.checkpointer->WaitIdle();
    stop = true;
    for (auto& th : writers) th.join();
    CheckpointStats stats = srv.checkpointer->Stats();
    EXPECT_TRUE(stats.last_ok);
    EXPECT_EQ(stats.saves, 1u);
    EXPECT_GT(stats.last_keys, 4000u);
    ASSERT_TRUE(srv.aof->Flush().ok());

    RecoveryReport report;
    auto back = Recovered(dir.path(), true, &report);
    EXPECT_TRUE(report.checkpoint_loaded);
    EXPECT_TRUE(report.aof_replayed);
    EXPECT_GT(report.aof_start_offset, 0u);  // the AOF before the checkpoint was not replayed
    EXPECT_LT(report.aof.commands, static_cast<uint64_t>(srv.changes.load()));
    std::printf("checkpoint: %llu keys, %llu bytes, %lld s; replayed %llu AOF commands of %lld\n",
                static_cast<unsigned long long>(stats.last_keys),
                static_cast<unsigned long long>(stats.last_bytes),
                static_cast<long long>(stats.last_duration_sec),
                static_cast<unsigned long long>(report.aof.commands),
                static_cast<long long>(srv.changes.load()));
    for (storage::DbIndex db = 0; db < 4; ++db) {
      ExpectSameData(Dump(*srv.store, db), Dump(*back, db), "db " + std::to_string(db));
    }
  }
}

TEST(Checkpoint, SaveAloneRestoresEverythingWhenTheAofIsOff) {
  TempDir dir;
  Server srv(dir.path(), /*aof=*/false);
  Populate(srv, 2000);
  EXPECT_EQ(srv.checkpointer->Stats().changes_since_last_save, srv.changes.load());
  ASSERT_TRUE(srv.checkpointer->Save().ok());
  CheckpointStats stats = srv.checkpointer->Stats();
  EXPECT_EQ(stats.changes_since_last_save, 0);
  EXPECT_EQ(stats.saves, 1u);
  EXPECT_EQ(ListCheckpoints(dir.path()).size(), 1u);
  RecoveryReport report;
  auto back = Recovered(dir.path(), false, &report);
  EXPECT_TRUE(report.checkpoint_loaded);
  EXPECT_FALSE(report.aof_replayed);
  for (storage::DbIndex db = 0; db < 4; ++db) {
    ExpectSameData(Dump(*srv.store, db), Dump(*back, db), "db " + std::to_string(db));
  }
}

TEST(Checkpoint, SaveHoldingKeyLocksSavesWhileTheCallerHoldsEveryStripe) {
  TempDir dir;
  Server srv(dir.path(), /*aof=*/false);
  Populate(srv, 500);
  // A key-save delay makes the scan wait between batches; it must still finish.
  srv.checkpointer->SetKeySaveDelay(1);
  std::unique_ptr<server::KeyLockGuard> all;
  Status st = srv.checkpointer->SaveHoldingKeyLocks([&] {
    all = std::make_unique<server::KeyLockGuard>(srv.locks, std::span<const std::string_view>(),
                                                 /*all=*/true);
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_NE(all, nullptr);  // lock_all ran, and the save did not need the stripes it holds
  all.reset();
  RecoveryReport report;
  auto back = Recovered(dir.path(), false, &report);
  EXPECT_TRUE(report.checkpoint_loaded);
  for (storage::DbIndex db = 0; db < 4; ++db) {
    ExpectSameData(Dump(*srv.store, db), Dump(*back, db), "db " + std::to_string(db));
  }
  // Later checkpoints lock stripes again: one taken while a key is held waits for it.
  std::string_view key = "key:1";
  auto guard =
      std::make_unique<server::KeyLockGuard>(srv.locks, std::span<const std::string_view>(&key, 1));
  ASSERT_TRUE(srv.checkpointer->BgSave(false).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(srv.checkpointer->Stats().saves, 1u);  // still waiting for key:1's stripe
  guard.reset();
  srv.checkpointer->WaitIdle();
  EXPECT_EQ(srv.checkpointer->Stats().saves, 2u);
}

TEST(Checkpoint, CorruptNewestFallsBackToTheOlderOneAndTheAof) {
  TempDir dir;
  Server srv(dir.path(), /*aof=*/true);
  Populate(srv, 500);
  ASSERT_TRUE(srv.checkpointer->Save().ok());
  auto s = srv.store->NewSession();
  srv.Run(*s, 0, {"SET", "after-first", "1"});
  ASSERT_TRUE(srv.checkpointer->Save().ok());
  srv.Run(*s, 1, {"SET", "after-second", "2"});
  ASSERT_TRUE(srv.aof->Flush().ok());
  auto files = ListCheckpoints(dir.path());
  ASSERT_EQ(files.size(), 2u);
  {
    auto f = PosixIo().Open(files[0].second, false);
    ASSERT_TRUE(f);
    char c = 0;
    ASSERT_TRUE((*f)->ReadAt(100, &c, 1));
    c ^= 0x55;
    ASSERT_TRUE((*f)->WriteAt(100, &c, 1).ok());
  }
  RecoveryReport report;
  auto back = Recovered(dir.path(), true, &report);
  EXPECT_TRUE(report.checkpoint_loaded);
  EXPECT_EQ(report.checkpoint_path, files[1].second);
  for (storage::DbIndex db = 0; db < 4; ++db) {
    ExpectSameData(Dump(*srv.store, db), Dump(*back, db), "db " + std::to_string(db));
  }
}

TEST(Checkpoint, IgnoredOnceTheAofWasRewrittenAfterIt) {
  TempDir dir;
  Server srv(dir.path(), /*aof=*/true);
  Populate(srv, 500);
  ASSERT_TRUE(srv.checkpointer->Save().ok());
  ASSERT_TRUE(srv.aof->StartRewrite().ok());
  srv.aof->WaitForRewrite();
  auto s = srv.store->NewSession();
  srv.Run(*s, 2, {"SET", "after-rewrite", "x"});
  ASSERT_TRUE(srv.aof->Flush().ok());
  RecoveryReport report;
  auto back = Recovered(dir.path(), true, &report);
  EXPECT_FALSE(report.checkpoint_loaded);  // it names the old AOF
  EXPECT_EQ(report.aof_start_offset, 0u);
  for (storage::DbIndex db = 0; db < 4; ++db) {
    ExpectSameData(Dump(*srv.store, db), Dump(*back, db), "db " + std::to_string(db));
  }
}

TEST(Checkpoint, KeepsTheNewestTwoFiles) {
  TempDir dir;
  Server srv(dir.path(), /*aof=*/false);
  Populate(srv, 10);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(srv.checkpointer->Save().ok());
  auto files = ListCheckpoints(dir.path());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].first, 4u);
  EXPECT_EQ(files[1].first, 3u);
  EXPECT_EQ(srv.checkpointer->Stats().saves, 4u);
}

}  // namespace
}  // namespace ferrite::persistence
