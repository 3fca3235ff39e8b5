#include "persistence/aof_writer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/string_util.h"
#include "persistence/aof_format.h"
#include "persistence/checkpoint_format.h"
#include "storage/memory_store.h"

namespace ferrite::persistence {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ferrite_aofw_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + path_).c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Cmd {
  storage::DbIndex db;
  std::vector<std::string> argv;
};

std::vector<Cmd> ReadBack(const std::string& path) {
  std::vector<Cmd> out;
  AofScanResult r;
  Status st = ScanAof(
      PosixIo(), path,
      [&](storage::DbIndex db, std::span<const std::string_view> argv, uint64_t) {
        out.push_back({db, std::vector<std::string>(argv.begin(), argv.end())});
        return Status::Ok();
      },
      &r);
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(r.end, AofEnd::kClean) << r.reason;
  return out;
}

AofOptions Options(const TempDir& dir, AofSync sync, AofIo* io = nullptr) {
  AofOptions o;
  o.dir = dir.path();
  o.sync = sync;
  o.io = io;
  o.auto_rewrite_percentage = 0;
  o.retry_interval_ms = 20;
  return o;
}

struct Fixture {
  std::unique_ptr<storage::Store> store = storage::NewMemoryStore(16);
  server::KeyLockTable locks;
};

void Propagate(AofWriter& w, storage::DbIndex db, std::vector<std::string_view> argv) {
  w.Propagate(db, argv);
}

// Waits for `lsn` through NotifyWhenDurable, the way a connection holds its reply.
bool WaitDurable(AofWriter& w, uint64_t lsn) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false, ok = false;
  w.NotifyWhenDurable(lsn, [&](bool durable) {
    std::lock_guard<std::mutex> g(mu);
    done = true;
    ok = durable;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return done; });
  return ok;
}

TEST(AofWriter, AppendsRespWithSelectOnDbChange) {
  TempDir dir;
  Fixture f;
  auto w = AofWriter::Open(Options(dir, AofSync::kEverySec), f.store.get(), &f.locks);
  ASSERT_TRUE(w) << w.error().ToString();
  Propagate(**w, 0, {"SET", "a", "1"});
  Propagate(**w, 0, {"SET", "b", "2"});
  Propagate(**w, 5, {"DEL", "a"});
  Propagate(**w, 0, {"INCR", "c"});
  ASSERT_TRUE((*w)->Flush().ok());
  auto text = ReadWholeFile(PosixIo(), (*w)->path());
  ASSERT_TRUE(text);
  // A new file starts with its id annotation; the records follow.
  auto id = ReadAofId(PosixIo(), (*w)->path());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->size(), 32u);
  std::string expected;
  AppendIdAnnotation(&expected, *id);
  const size_t head = expected.size();
  AppendSelect(&expected, 0);
  std::string_view c1[] = {"SET", "a", "1"}, c2[] = {"SET", "b", "2"}, c3[] = {"DEL", "a"},
                   c4[] = {"INCR", "c"};
  AppendCommand(&expected, c1);
  AppendCommand(&expected, c2);
  AppendSelect(&expected, 5);
  AppendCommand(&expected, c3);
  AppendSelect(&expected, 0);
  AppendCommand(&expected, c4);
  EXPECT_EQ(*text, expected);
  EXPECT_EQ((*w)->Stats().appended_lsn, expected.size() - head);
  AofPosition pos = (*w)->Position();
  EXPECT_TRUE(pos.valid);
  EXPECT_EQ(pos.aof_id, *id);
  EXPECT_EQ(pos.offset, expected.size());
  EXPECT_EQ(pos.db, 0u);
}

TEST(AofWriter, AlwaysMakesEachLsnDurableBeforeNotifying) {
  TempDir dir;
  Fixture f;
  auto w = AofWriter::Open(Options(dir, AofSync::kAlways), f.store.get(), &f.locks);
  ASSERT_TRUE(w);
  for (int i = 0; i < 20; ++i) {
    Propagate(**w, 0, {"SET", "k" + std::to_string(i), "v"});
    uint64_t lsn = AofWriter::TakeThreadLsn();
    ASSERT_GT(lsn, 0u);
    EXPECT_EQ(AofWriter::TakeThreadLsn(), 0u);  // taken
    ASSERT_TRUE(WaitDurable(**w, lsn));
    EXPECT_TRUE((*w)->IsDurable(lsn));
    EXPECT_GE((*w)->Stats().synced_lsn, lsn);
    // Durable means on disk: the file already holds the record.
    auto text = ReadWholeFile(PosixIo(), (*w)->path());
    EXPECT_GE(text->size(), lsn);
  }
  EXPECT_GE((*w)->Stats().fsyncs, 1u);
}

TEST(AofWriter, NoAndEverysecDoNotHoldReplies) {
  TempDir dir;
  Fixture f;
  for (AofSync sync : {AofSync::kNo, AofSync::kEverySec}) {
    auto w = AofWriter::Open(Options(dir, sync), f.store.get(), &f.locks);
    ASSERT_TRUE(w);
    Propagate(**w, 0, {"SET", "a", "1"});
    EXPECT_TRUE((*w)->IsDurable(AofWriter::TakeThreadLsn()));
    ASSERT_TRUE((*w)->Shutdown().ok());
  }
  // Both runs appended to the same file; each started with its own SELECT.
  auto cmds = ReadBack(dir.path() + "/appendonly.aof");
  ASSERT_EQ(cmds.size(), 2u);
}

TEST(AofWriter, GroupCommitUnderConcurrentAppenders) {
  TempDir dir;
  Fixture f;
  auto w = AofWriter::Open(Options(dir, AofSync::kAlways), f.store.get(), &f.locks);
  ASSERT_TRUE(w);
  constexpr int kThreads = 8, kPerThread = 300;
  std::vector<std::thread> threads;
  std::atomic<int> not_durable{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "t" + std::to_string(t);
        std::string val = std::to_string(i);
        std::string_view argv[] = {"SET", key, val};
        (*w)->Propagate(static_cast<storage::DbIndex>(t % 3), argv);
        if (!WaitDurable(**w, AofWriter::TakeThreadLsn())) ++not_durable;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(not_durable.load(), 0);
  AofStats s = (*w)->Stats();
  EXPECT_EQ(s.synced_lsn, s.appended_lsn);
  ASSERT_TRUE((*w)->Shutdown().ok());
  // The file is the union of all appends, each thread's in its own order, each in its db.
  auto cmds = ReadBack(dir.path() + "/appendonly.aof");
  ASSERT_EQ(cmds.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<int> next(kThreads, 0);
  for (const Cmd& c : cmds) {
    int t = std::stoi(c.argv[1].substr(1));
    EXPECT_EQ(c.db, static_cast<storage::DbIndex>(t % 3));
    EXPECT_EQ(std::stoi(c.argv[2]), next[t]++);
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next[t], kPerThread);
  std::printf("group commit: %d commands, %llu fsyncs\n", kThreads * kPerThread,
              static_cast<unsigned long long>(s.fsyncs));
}

TEST(AofWriter, TransactionsAreNeverInterleaved) {
  TempDir dir;
  Fixture f;
  auto w = AofWriter::Open(Options(dir, AofSync::kNo), f.store.get(), &f.locks);
  ASSERT_TRUE(w);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string key = "k" + std::to_string(t);
      for (int i = 0; i < 200; ++i) {
        Propagate(**w, 0, {"multi"});
        Propagate(**w, 0, {"INCR", key});
        Propagate(**w, 0, {"INCR", key});
        Propagate(**w, 0, {"exec"});
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE((*w)->Shutdown().ok());
  auto text = ReadWholeFile(PosixIo(), dir.path() + "/appendonly.aof");
  ASSERT_TRUE(text);
  // Every MULTI is followed by two INCRs of one key and an EXEC.
  std::string multi, exec;
  std::string_view m[] = {"multi"}, e[] = {"exec"};
  AppendCommand(&multi, m);
  AppendCommand(&exec, e);
  size_t pos = 0, blocks = 0;
  while ((pos = text->find(multi, pos)) != std::string::npos) {
    size_t end = text->find(exec, pos);
    ASSERT_NE(end, std::string::npos);
    std::string block = text->substr(pos, end - pos);
    EXPECT_EQ(block.find(multi, 1), std::string::npos);
    for (int t = 0; t < 4; ++t) {
      std::string k = "$2\r\nk" + std::to_string(t) + "\r\n";
      size_t n = 0;
      for (size_t p = block.find(k); p != std::string::npos; p = block.find(k, p + 1)) ++n;
      EXPECT_TRUE(n == 0 || n == 2);
    }
    ++blocks;
    pos = end;
  }
  EXPECT_EQ(blocks, 800u);
  EXPECT_EQ(ReadBack(dir.path() + "/appendonly.aof").size(), 1600u);
}

TEST(AofWriter, EnospcEntersDegradedModeAndRecovers) {
  TempDir dir;
  Fixture f;
  FaultyAofIo faulty(PosixIo());
  auto w = AofWriter::Open(Options(dir, AofSync::kAlways, &faulty), f.store.get(), &f.locks);
  ASSERT_TRUE(w);
  Propagate(**w, 0, {"SET", "before", "1"});
  ASSERT_TRUE(WaitDurable(**w, AofWriter::TakeThreadLsn()));
  faulty.space_left = 10;  // the next record only partly fits
  Propagate(**w, 0, {"SET", "during", "2"});
  uint64_t lsn = AofWriter::TakeThreadLsn();
  std::atomic<bool> notified{false};
  (*w)->NotifyWhenDurable(lsn, [&](bool ok) { notified = ok; });
  while ((*w)->AcceptingWrites()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_FALSE((*w)->IsDurable(lsn));
  EXPECT_FALSE(notified.load());  // the reply stays held
  AofStats s = (*w)->Stats();
  EXPECT_FALSE(s.last_write_ok);
  EXPECT_GE(s.write_errors, 1u);
  faulty.Heal();
  while (!(*w)->AcceptingWrites()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(WaitDurable(**w, lsn));
  EXPECT_TRUE(notified.load());
  ASSERT_TRUE((*w)->Shutdown().ok());
  auto cmds = ReadBack(dir.path() + "/appendonly.aof");  // no torn record left behind
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[1].argv[1], "during");
}

TEST(AofWriter, FailingFsyncRewritesUnsyncedBytesAfterRecovery) {
  TempDir dir;
  Fixture f;
  FaultyAofIo faulty(PosixIo());
  auto w = AofWriter::Open(Options(dir, AofSync::kAlways, &faulty), f.store.get(), &f.locks);
  ASSERT_TRUE(w);
  faulty.fail_sync = true;
  Propagate(**w, 0, {"SET", "x", "1"});
  uint64_t lsn = AofWriter::TakeThreadLsn();
  while ((*w)->AcceptingWrites()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_FALSE((*w)->IsDurable(lsn));
  // Reads go on (nothing here blocks them); writes arriving in degraded mode are kept too.
  Propagate(**w, 0, {"SET", "y", "2"});
  uint64_t lsn2 = AofWriter::TakeThreadLsn();
  while (faulty.failed_syncs.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  faulty.fail_sync = false;
  ASSERT_TRUE(WaitDurable(**w, lsn2));
  EXPECT_TRUE((*w)->AcceptingWrites());
  AofStats s = (*w)->Stats();
  EXPECT_GE(s.fsync_errors, 2u);
  EXPECT_TRUE(s.last_write_ok);
  ASSERT_TRUE((*w)->Shutdown().ok());
  auto cmds = ReadBack(dir.path() + "/appendonly.aof");
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0].argv[1], "x");
  EXPECT_EQ(cmds[1].argv[1], "y");
}

TEST(AofWriter, SyncHookSeesEveryFsync) {
  TempDir dir;
  Fixture f;
  auto w = AofWriter::Open(Options(dir, AofSync::kAlways), f.store.get(), &f.locks);
  ASSERT_TRUE(w);
  std::atomic<int> calls{0};
  (*w)->SetSyncDurationHook([&](double seconds) {
    EXPECT_GE(seconds, 0.0);
    ++calls;
  });
  for (int i = 0; i < 5; ++i) {
    Propagate(**w, 0, {"SET", "a", "b"});
    ASSERT_TRUE(WaitDurable(**w, AofWriter::TakeThreadLsn()));
  }
  ASSERT_TRUE((*w)->Shutdown().ok());
  EXPECT_GE(calls.load(), 1);
  EXPECT_EQ(static_cast<uint64_t>(calls.load()), (*w)->Stats().fsyncs);
}

// A checkpoint capture works with the AOF off, and one that starts between MULTI and EXEC still
// receives the whole transaction (never an EXEC without its MULTI).
TEST(AofWriter, CheckpointCaptureGetsWholeTransactionsWithTheAofOff) {
  TempDir dir;
  Fixture f;
  AofOptions o = Options(dir, AofSync::kEverySec);
  o.enabled = false;
  auto w = AofWriter::Open(o, f.store.get(), &f.locks);
  ASSERT_TRUE(w);
  Propagate(**w, 3, {"MULTI"});
  (*w)->BeginCheckpointCapture();
  Propagate(**w, 3, {"SET", "a", "1"});
  Propagate(**w, 3, {"INCR", "n"});
  Propagate(**w, 3, {"EXEC"});
  Propagate(**w, 1, {"DEL", "b"});
  std::string frames;
  bool cancelled = true;
  AofPosition pos = (*w)->EndCheckpointCapture(&frames, &cancelled);
  EXPECT_FALSE(cancelled);
  EXPECT_FALSE(pos.valid);              // no AOF file receives records
  Propagate(**w, 1, {"DEL", "after"});  // not captured any more

  std::string expected, tx;
  std::string_view multi[] = {"MULTI"}, set[] = {"SET", "a", "1"}, incr[] = {"INCR", "n"},
                   exec[] = {"EXEC"}, del[] = {"DEL", "b"};
  AppendCommand(&tx, multi);
  AppendCommand(&tx, set);
  AppendCommand(&tx, incr);
  AppendCommand(&tx, exec);
  AppendCommandsFrame(&expected, 3, tx);
  std::string one;
  AppendCommand(&one, del);
  AppendCommandsFrame(&expected, 1, one);
  EXPECT_EQ(frames, expected);
  EXPECT_FALSE(PosixIo().Exists((*w)->path()));
}

TEST(AofWriter, SwapDbCancelsACheckpointCapture) {
  TempDir dir;
  Fixture f;
  auto w = AofWriter::Open(Options(dir, AofSync::kEverySec), f.store.get(), &f.locks);
  ASSERT_TRUE(w);
  (*w)->BeginCheckpointCapture();
  Propagate(**w, 0, {"SWAPDB", "0", "1"});
  std::string rest;
  bool cancelled = false;
  AofPosition pos = (*w)->EndCheckpointCapture(&rest, &cancelled);
  EXPECT_TRUE(cancelled);
  EXPECT_TRUE(pos.valid);
}

}  // namespace
}  // namespace ferrite::persistence
