// The store while its hash index grows (a tiny initial index, many keys) and while its memory
// budget changes at runtime (SetMaxMemory, behind CONFIG SET maxmemory). Every key written must
// stay readable with its newest value, on every tier, and scans must keep SCAN's guarantee.
// Also run under ASan and TSan (hybrid_log_growth_test).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/kv/store_test_util.h"

namespace ferrite::storage {
namespace {

using testing::Del;
using testing::Get;
using testing::Set;
using testing::TinyOptions;
using testing::WaitFor;

std::string Key(int i) { return "key:" + std::to_string(i); }
std::string Value(int i, int version) {
  return "value-" + std::to_string(i) + "-" + std::to_string(version) + std::string(40, 'x');
}

class StoreGrowthTest : public ::testing::Test {
 protected:
  // 4 KiB pages, `memory_pages` of them, and a 64-bucket index to start with.
  void Open(uint64_t memory_pages) {
    auto s = NewHybridLogStore(TinyOptions(std::make_shared<io::MemDevice>(), memory_pages));
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(s).value();
    session_ = store_->NewSession();
  }
  std::set<std::string> ScanAll(DbIndex db) {
    std::set<std::string> got;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      cursor = session_->Scan(db, cursor, 50,
                              [&](std::string_view k, const RecordView&) { got.emplace(k); });
    } while (cursor != 0 && ++calls < 1000000);
    return got;
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<StoreSession> session_;
};

TEST_F(StoreGrowthTest, IndexGrowsWhileServingAndEveryKeyStaysReadable) {
  Open(1024);
  ASSERT_EQ(store_->Stats().index_buckets, 64u);
  constexpr int kKeys = 40000;
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(Set(*session_, 0, Key(i), Value(i, 1)).ok()) << i;
  // Overwrite and delete some while later growths may still run.
  for (int i = 0; i < kKeys; i += 3) ASSERT_TRUE(Set(*session_, 0, Key(i), Value(i, 2)).ok());
  for (int i = 1; i < kKeys; i += 7) ASSERT_TRUE(Del(*session_, 0, Key(i)).ok());
  ASSERT_TRUE(WaitFor([&] { return store_->Stats().index_grows >= 5; }));
  StoreStats st = store_->Stats();
  EXPECT_GE(st.index_buckets, 64u << 5);
  EXPECT_GT(st.bytes_disk, 0u) << "part of the data must be on disk";
  std::set<std::string> live;
  for (int i = 0; i < kKeys; ++i) {
    std::optional<std::string> v = Get(*session_, 0, Key(i));
    if (i % 7 == 1) {
      EXPECT_FALSE(v.has_value()) << i;
      continue;
    }
    ASSERT_TRUE(v.has_value()) << i;
    EXPECT_EQ(*v, Value(i, i % 3 == 0 ? 2 : 1)) << i;
    live.insert(Key(i));
  }
  EXPECT_EQ(store_->KeyCount(0), live.size());
  EXPECT_EQ(ScanAll(0), live);
  // The index stays within its share of the budget (both tables during a growth).
  EXPECT_LE(st.index_bytes, st.max_memory / 2);
  ASSERT_TRUE(WaitFor([&] { return store_->Stats().memory_used <= st.max_memory; }));
}

// Writers, readers and a scanner run while the index doubles again and again.
TEST_F(StoreGrowthTest, ConcurrentOperationsDuringGrowth) {
  Open(512);
  constexpr int kThreads = 2;
  constexpr int kPerThread = 6000;
  std::atomic<bool> failed{false};
  std::atomic<int> writers{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto s = store_->NewSession();
      for (int i = 0; i < kPerThread; ++i) {
        const int k = t * kPerThread + i;
        if (!Set(*s, 0, Key(k), Value(k, 1)).ok()) failed = true;
        if (i % 4 == 3 && !Set(*s, 0, Key(k - 3), Value(k - 3, 2)).ok()) failed = true;
        if (i % 10 == 9 && !Del(*s, 0, Key(k - 1)).ok()) failed = true;
        const int probe = t * kPerThread + (i * 7919) % (i + 1);
        std::optional<std::string> v = Get(*s, 0, Key(probe));
        // A probed key may be deleted (every 10th, once its successor is written) but never
        // hold anything but one of its own versions.
        if (v.has_value() && *v != Value(probe, 1) && *v != Value(probe, 2)) failed = true;
        if (!v.has_value() && probe % kPerThread % 10 != 8) failed = true;
      }
      writers.fetch_sub(1);
    });
  }
  threads.emplace_back([&] {
    auto s = store_->NewSession();
    while (writers.load() > 0) {
      uint64_t cursor = 0;
      do {
        cursor = s->Scan(0, cursor, 100, [&](std::string_view, const RecordView&) {});
      } while (cursor != 0 && writers.load() > 0);
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_FALSE(failed.load());
  // The worker grows the index in its own steps: the last growth may finish after the writers.
  EXPECT_TRUE(WaitFor([&] { return store_->Stats().index_grows >= 3u; }))
      << store_->Stats().index_grows;
  std::set<std::string> live;
  for (int k = 0; k < kThreads * kPerThread; ++k) {
    const int i = k % kPerThread;
    std::optional<std::string> v = Get(*session_, 0, Key(k));
    // Every 10th key is deleted; an updated one (every 4th) is written again after that.
    const bool updated = i % 4 == 0 && i + 3 < kPerThread;
    if (i % 10 == 8 && !updated) {
      EXPECT_FALSE(v.has_value()) << k;
      continue;
    }
    ASSERT_TRUE(v.has_value()) << k;
    EXPECT_EQ(*v, Value(k, updated ? 2 : 1)) << k;
    live.insert(Key(k));
  }
  EXPECT_EQ(store_->KeyCount(0), live.size());
  EXPECT_EQ(ScanAll(0), live);
}

TEST_F(StoreGrowthTest, SetMaxMemoryShrinksAndGrowsTheInMemoryLog) {
  Open(1024);
  const uint64_t initial = store_->Stats().max_memory;
  constexpr int kKeys = 8000;  // about 1 MiB of records: all in memory at first
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(Set(*session_, 0, Key(i), Value(i, 1)).ok());
  // 8000 keys in 64 buckets: the index doubles until 2048 buckets, then stays.
  ASSERT_TRUE(WaitFor([&] { return store_->Stats().index_grows >= 5; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  StoreStats before = store_->Stats();
  EXPECT_EQ(before.bytes_disk, 0u);

  // Too small for the index and fixed buffers: refused, the budget unchanged.
  Status st = store_->SetMaxMemory(64 << 10);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_EQ(store_->Stats().max_memory, initial);

  // Shrink to leave ~70 pages for the log (fixed buffers take ~80 KiB of the 256): pages are
  // flushed and evicted, nothing is lost.
  const uint64_t small = before.index_bytes + (256u << 10) + 32 * 4096;
  ASSERT_TRUE(store_->SetMaxMemory(small).ok());
  EXPECT_EQ(store_->Stats().max_memory, small);
  ASSERT_TRUE(WaitFor([&] { return store_->Stats().memory_used <= small; }))
      << store_->Stats().memory_used << " > " << small;
  StoreStats shrunk = store_->Stats();
  EXPECT_GT(shrunk.bytes_disk, 0u);
  EXPECT_LT(shrunk.bytes_mutable + shrunk.bytes_read_only, before.bytes_mutable);
  for (int i = 0; i < kKeys; ++i) {
    std::optional<std::string> v = Get(*session_, 0, Key(i));
    ASSERT_TRUE(v.has_value()) << i;
    EXPECT_EQ(*v, Value(i, 1));
  }
  EXPECT_EQ(store_->KeyCount(0), static_cast<uint64_t>(kKeys));
  ASSERT_TRUE(WaitFor([&] { return store_->Stats().memory_used <= small; }));

  // Grow back: the log may use the frames again (up to the count sized at startup).
  ASSERT_TRUE(store_->SetMaxMemory(initial).ok());
  for (int i = kKeys; i < 2 * kKeys; ++i) {
    ASSERT_TRUE(Set(*session_, 0, Key(i), Value(i, 1)).ok());
  }
  StoreStats grown = store_->Stats();
  EXPECT_GT(grown.bytes_mutable + grown.bytes_read_only, 100u * 4096);
  EXPECT_TRUE(WaitFor([&] { return store_->Stats().memory_used <= initial; }));
}

}  // namespace
}  // namespace ferrite::storage
