// Concurrent stress test: N threads, each with its own session, run mixed operations on a store
// with tiny pages (so records constantly move mutable -> read-only -> disk -> tail) and check
// the results against a model:
//   - shared counters (db 2): every thread RMW-increments them; the final values must equal the
//     number of successful increments (no lost update across in-place / copy / fuzzy paths);
//   - private keys (db 1): each thread upserts, deletes and reads its own keys against an exact
//     per-thread model, and KeyCount / Scan must agree with the union of the models;
//   - shared blobs (db 3): writers store values made of one repeated byte with random lengths;
//     readers must never see a mix (no torn values);
//   - collections (db 4): shared hashes whose field t<thread> each thread increments (in place,
//     copy-update on a clone, or from disk; no lost update, readers see whole objects), and
//     private hashes upserted, deleted and read against a per-thread model.
// Run it under TSan and ASan+UBSan builds as well (docs/design/hybridlog.md, "Testing").

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "storage/kv/store_test_util.h"
#include "storage/objects/hash_object.h"

namespace ferrite::storage {
namespace {

using testing::Resolve;

class Incr final : public RmwFunctions {
 public:
  Status InitialUpdate(RecordBuilder& out) override {
    out.value = "1";
    return Status::Ok();
  }
  bool InPlaceUpdate(MutableRecord& rec) override {
    std::string v = std::to_string(std::stoll(std::string(rec.value, *rec.length)) + 1);
    if (v.size() > rec.capacity) return false;
    std::memcpy(rec.value, v.data(), v.size());
    *rec.length = static_cast<uint32_t>(v.size());
    return true;
  }
  Status CopyUpdate(const RecordView& old, RecordBuilder& out) override {
    out.value = std::to_string(std::stoll(std::string(old.value)) + 1);
    return Status::Ok();
  }
};

// HINCRBY <hash> t<thread> 1.
class HIncr final : public RmwFunctions {
 public:
  explicit HIncr(std::string field) : field_(std::move(field)) {}
  Status InitialUpdate(RecordBuilder& out) override {
    auto h = std::make_unique<HashObject>();
    h->table().Set(field_, "1");
    out.type = ValueType::kHash;
    out.object = std::move(h);
    return Status::Ok();
  }
  bool InPlaceUpdate(MutableRecord& rec) override {
    if (rec.type != ValueType::kHash) return false;
    Bump(static_cast<HashObject*>(rec.object));
    return true;
  }
  Status CopyUpdate(const RecordView& old, RecordBuilder& out) override {
    if (old.type != ValueType::kHash || out.object == nullptr) return Status::WrongType();
    Bump(static_cast<HashObject*>(out.object.get()));
    return Status::Ok();
  }

 private:
  void Bump(HashObject* h) {
    const std::string* v = h->table().Find(field_);
    h->table().Set(field_, std::to_string(v == nullptr ? 1 : std::stoll(*v) + 1));
  }
  std::string field_;
};

constexpr int kThreads = 4;
constexpr int kCounters = 16;
constexpr int kPrivateKeys = 60;
constexpr int kBlobs = 8;
constexpr int kSharedHashes = 8;
constexpr int kPrivateHashes = 20;

TEST(StoreStressTest, MixedOperationsMatchTheModel) {
  auto dev = std::make_shared<io::MemDevice>();
  HybridLogOptions o = testing::TinyOptions(dev, /*memory_pages=*/16);
  auto created = NewHybridLogStore(o);
  ASSERT_TRUE(created) << created.error().ToString();
  std::unique_ptr<Store> store = std::move(created).value();

  const int ops = 10000;
  std::vector<std::map<int, uint64_t>> incr_done(kThreads);
  std::vector<std::map<std::string, std::string>> models(kThreads);
  std::vector<std::map<int, uint64_t>> hincr_done(kThreads);
  std::vector<std::map<std::string, std::string>> hash_models(kThreads);
  std::atomic<int> torn{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto s = store->NewSession();
      std::mt19937 rng(1234 + t);
      Incr incr;
      auto& model = models[t];
      HIncr hincr("t" + std::to_string(t));
      auto& hash_model = hash_models[t];
      for (int i = 0; i < ops; ++i) {
        int dice = static_cast<int>(rng() % 125);
        if (dice >= 100) {
          if (dice < 108) {
            int c = static_cast<int>(rng() % kSharedHashes);
            std::string key = "hash" + std::to_string(c);
            Status st = Resolve(*s, 4, key, [&] { return s->Rmw(4, key, hincr); });
            if (st.ok()) {
              ++hincr_done[t][c];
            } else {
              failures.fetch_add(1);
            }
          } else if (dice < 116) {
            std::string key =
                "t" + std::to_string(t) + "h" + std::to_string(rng() % kPrivateHashes);
            if (rng() % 4 == 0) {
              Status st = Resolve(*s, 4, key, [&] { return s->Delete(4, key); });
              bool existed = hash_model.erase(key) > 0;
              if (st.ok() != existed) failures.fetch_add(1);
            } else {
              std::string v = std::to_string(i) + std::string(rng() % 200, 'h');
              RecordBuilder rb;
              rb.type = ValueType::kHash;
              auto h = std::make_unique<HashObject>();
              h->table().Set("v", v);
              rb.object = std::move(h);
              Status st = Resolve(*s, 4, key, [&] { return s->Upsert(4, key, rb); });
              if (st.ok()) {
                hash_model[key] = v;
              } else {
                failures.fetch_add(1);
              }
            }
          } else {
            // Readers see whole objects: a shared hash has only counter fields; a private one
            // matches the model.
            bool shared = dice < 120;
            std::string key =
                shared ? "hash" + std::to_string(rng() % kSharedHashes)
                       : "t" + std::to_string(t) + "h" + std::to_string(rng() % kPrivateHashes);
            std::optional<std::string> got;
            Status st = Resolve(*s, 4, key, [&] {
              return s->Read(4, key, [&](const RecordView& r) {
                const auto* h = static_cast<const HashObject*>(r.object);
                if (r.type != ValueType::kHash || h == nullptr || h->Length() == 0) {
                  torn.fetch_add(1);
                  return;
                }
                if (shared) {
                  if (h->Length() > static_cast<size_t>(kThreads)) torn.fetch_add(1);
                  for (const auto& e : h->table().entries()) {
                    if (e.value.empty() || std::stoll(e.value) <= 0) torn.fetch_add(1);
                  }
                } else {
                  const std::string* v = h->table().Find("v");
                  if (v != nullptr) got = *v;
                }
              });
            });
            if (!shared) {
              auto it = hash_model.find(key);
              if (it == hash_model.end() ? !st.IsNotFound() : (!st.ok() || got != it->second)) {
                failures.fetch_add(1);
              }
            } else if (!st.ok() && !st.IsNotFound()) {
              failures.fetch_add(1);
            }
          }
        } else if (dice < 30) {
          int c = static_cast<int>(rng() % kCounters);
          std::string key = "ctr" + std::to_string(c);
          Status st = Resolve(*s, 2, key, [&] { return s->Rmw(2, key, incr); });
          if (st.ok()) {
            ++incr_done[t][c];
          } else {
            failures.fetch_add(1);
          }
        } else if (dice < 60) {
          std::string key = "t" + std::to_string(t) + "k" + std::to_string(rng() % kPrivateKeys);
          if (rng() % 4 == 0) {
            Status st = Resolve(*s, 1, key, [&] { return s->Delete(1, key); });
            bool existed = model.erase(key) > 0;
            if (st.ok() != existed) failures.fetch_add(1);
          } else {
            RecordBuilder rb;
            rb.value = key + ":" + std::to_string(i) + std::string(rng() % 300, 'p');
            Status st = Resolve(*s, 1, key, [&] { return s->Upsert(1, key, rb); });
            if (st.ok()) {
              model[key] = rb.value;
            } else {
              failures.fetch_add(1);
            }
          }
        } else if (dice < 75) {
          std::string key = "t" + std::to_string(t) + "k" + std::to_string(rng() % kPrivateKeys);
          std::optional<std::string> got;
          auto read = [&] {
            return s->Read(1, key, [&](const RecordView& r) { got = std::string(r.value); });
          };
          // Half the reads run inside a server-style outer Protect(), which must nest with the
          // operation's own guard; a Pending result is resolved after Unprotect(), as the
          // server never waits while protected.
          Status st;
          if (rng() % 2 == 0) {
            s->Protect();
            st = read();
            s->Unprotect();
            if (st.IsPending()) st = Resolve(*s, 1, key, read);
          } else {
            st = Resolve(*s, 1, key, read);
          }
          auto it = model.find(key);
          if (it == model.end() ? !st.IsNotFound() : (!st.ok() || got != it->second)) {
            failures.fetch_add(1);
          }
        } else if (dice < 88) {
          std::string key = "blob" + std::to_string(rng() % kBlobs);
          RecordBuilder rb;
          rb.value.assign(1 + rng() % 900, static_cast<char>('A' + rng() % 26));
          if (!Resolve(*s, 3, key, [&] { return s->Upsert(3, key, rb); }).ok()) {
            failures.fetch_add(1);
          }
        } else {
          std::string key = "blob" + std::to_string(rng() % kBlobs);
          Status st = Resolve(*s, 3, key, [&] {
            return s->Read(3, key, [&](const RecordView& r) {
              for (char ch : r.value) {
                if (ch != r.value[0]) {
                  torn.fetch_add(1);
                  break;
                }
              }
            });
          });
          if (!st.ok() && !st.IsNotFound()) failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(failures.load(), 0);

  auto s = store->NewSession();
  for (int c = 0; c < kCounters; ++c) {
    uint64_t expected = 0;
    for (int t = 0; t < kThreads; ++t) expected += incr_done[t][c];
    std::string key = "ctr" + std::to_string(c);
    auto got = testing::Get(*s, 2, key);
    if (expected == 0) {
      EXPECT_EQ(got, std::nullopt);
    } else {
      EXPECT_EQ(got, std::to_string(expected)) << key;
    }
  }
  std::set<std::string> model_keys;
  for (int t = 0; t < kThreads; ++t) {
    for (auto& [k, v] : models[t]) {
      model_keys.insert(k);
      EXPECT_EQ(testing::Get(*s, 1, k), v) << k;
    }
  }
  EXPECT_EQ(store->KeyCount(1), model_keys.size());
  std::set<std::string> scanned;
  uint64_t cursor = 0;
  do {
    cursor =
        s->Scan(1, cursor, 50, [&](std::string_view k, const RecordView&) { scanned.emplace(k); });
  } while (cursor != 0);
  EXPECT_EQ(scanned, model_keys);
  // Collections: no lost increment, private hashes as modelled.
  uint64_t hashes = 0;
  for (int c = 0; c < kSharedHashes; ++c) {
    std::string key = "hash" + std::to_string(c);
    std::map<std::string, std::string> got;
    Status rs = Resolve(*s, 4, key, [&] {
      return s->Read(4, key, [&](const RecordView& r) {
        ASSERT_NE(r.object, nullptr);
        for (const auto& e : static_cast<const HashObject*>(r.object)->table().entries()) {
          got[std::string(e.key)] = e.value;
        }
      });
    });
    std::map<std::string, std::string> want;
    for (int t = 0; t < kThreads; ++t) {
      if (hincr_done[t][c] > 0) want["t" + std::to_string(t)] = std::to_string(hincr_done[t][c]);
    }
    EXPECT_EQ(got, want) << key << " " << rs.ToString();
    hashes += want.empty() ? 0 : 1;
  }
  for (int t = 0; t < kThreads; ++t) {
    for (auto& [k, v] : hash_models[t]) {
      std::optional<std::string> got;
      Status rs = Resolve(*s, 4, k, [&] {
        return s->Read(4, k, [&](const RecordView& r) {
          got = *static_cast<const HashObject*>(r.object)->table().Find("v");
        });
      });
      EXPECT_EQ(got, v) << k << " " << rs.ToString();
      ++hashes;
    }
  }
  EXPECT_EQ(store->KeyCount(4), hashes);
  StoreStats st = store->Stats();
  EXPECT_GT(st.bytes_disk, 0u) << "the test must exercise the disk region";
  EXPECT_GT(st.reads_disk + st.disk_reads, 0u);
}

}  // namespace
}  // namespace ferrite::storage
