#include "storage/index/hash_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace ferrite::storage::index {
namespace {

uint64_t HashWith(uint64_t bucket, uint16_t tag) { return (uint64_t{tag} << 50) | bucket; }

TEST(HashIndexTest, CreateFindAndCas) {
  HashIndex idx(16);
  uint64_t h = HashWith(3, 77);
  EXPECT_EQ(idx.Find(h).slot, nullptr);
  EntrySlot s = idx.FindOrCreate(h, 0);
  ASSERT_NE(s.slot, nullptr);
  EXPECT_EQ(s.address(), 0u);
  EXPECT_EQ(EntryTag(s.entry), 77);
  uint64_t expected = s.entry;
  ASSERT_TRUE(s.slot->compare_exchange_strong(expected, MakeEntry(77, 4096)));
  EntrySlot f = idx.Find(h);
  EXPECT_EQ(f.slot, s.slot);
  EXPECT_EQ(f.address(), 4096u);
  EXPECT_EQ(idx.FindOrCreate(h, 0).slot, s.slot);
  // Same bucket, another tag: another slot.
  EXPECT_NE(idx.FindOrCreate(HashWith(3, 78), 0).slot, s.slot);
}

TEST(HashIndexTest, OverflowBucketsGrowCapacity) {
  HashIndex idx(2);
  std::set<std::atomic<uint64_t>*> slots;
  for (uint16_t tag = 1; tag <= 100; ++tag) {
    EntrySlot s = idx.FindOrCreate(HashWith(1, tag), 0);
    ASSERT_NE(s.slot, nullptr);
    uint64_t e = s.entry;
    ASSERT_TRUE(s.slot->compare_exchange_strong(e, MakeEntry(tag, 1000 + tag)));
    slots.insert(s.slot);
  }
  EXPECT_EQ(slots.size(), 100u);
  EXPECT_GE(idx.overflow_buckets(), 100u / kEntriesPerBucket);
  for (uint16_t tag = 1; tag <= 100; ++tag) {
    EXPECT_EQ(idx.Find(HashWith(1, tag)).address(), 1000u + tag);
  }
  int seen = 0;
  idx.ForEachEntry(1, [&](std::atomic<uint64_t>&, uint64_t) { ++seen; });
  EXPECT_EQ(seen, 100);
  idx.Clear();
  EXPECT_EQ(idx.Find(HashWith(1, 5)).slot, nullptr);
}

TEST(HashIndexTest, StaleSlotsAreReused) {
  HashIndex idx(1);
  for (uint16_t tag = 1; tag <= kEntriesPerBucket; ++tag) {
    EntrySlot s = idx.FindOrCreate(HashWith(0, tag), 0);
    uint64_t e = s.entry;
    ASSERT_TRUE(s.slot->compare_exchange_strong(e, MakeEntry(tag, 100)));
  }
  // Every address is below the begin address 200: the new tag takes a main-bucket slot.
  idx.FindOrCreate(HashWith(0, 500), 200);
  EXPECT_EQ(idx.overflow_buckets(), 0u);
}

TEST(HashIndexTest, ConcurrentCreateInstallsOneEntryPerTag) {
  HashIndex idx(4);
  constexpr int kThreads = 4;
  std::vector<std::vector<std::atomic<uint64_t>*>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint16_t tag = 1; tag <= 200; ++tag) {
        got[t].push_back(idx.FindOrCreate(HashWith(tag % 4, tag), 0).slot);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(got[t], got[0]);
  std::set<std::atomic<uint64_t>*> distinct(got[0].begin(), got[0].end());
  EXPECT_EQ(distinct.size(), 200u);
}

}  // namespace
}  // namespace ferrite::storage::index
