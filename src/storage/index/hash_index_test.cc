#include "storage/index/hash_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace ferrite::storage::index {
namespace {

uint64_t HashWith(uint64_t bucket, uint16_t tag) { return (uint64_t{tag} << 50) | bucket; }

// A log of fixed records for growth tests: record r lives at address 64 + 8r, has hash[r] and a
// previous address set before it is linked. Records below `disk_below` count as on disk.
class FakeLog final : public ChainResolver {
 public:
  explicit FakeLog(std::vector<uint64_t> hashes)
      : hashes_(std::move(hashes)), prev_(new std::atomic<uint64_t>[hashes_.size()]) {
    for (size_t r = 0; r < hashes_.size(); ++r) prev_[r].store(0);
  }
  static uint64_t AddressOf(size_t r) { return 64 + 8 * r; }
  static size_t RecordAt(uint64_t a) { return (a - 64) / 8; }
  uint64_t hash(size_t r) const { return hashes_[r]; }
  void set_prev(size_t r, uint64_t a) { prev_[r].store(a, std::memory_order_release); }
  uint64_t disk_below = 0;

  Where Resolve(uint64_t address, uint64_t* hash, uint64_t* prev) const override {
    if (address < disk_below) return Where::kOnDisk;
    const size_t r = RecordAt(address);
    *hash = hashes_[r];
    *prev = prev_[r].load(std::memory_order_acquire);
    return Where::kInMemory;
  }
  // Whether the chain of `hash`'s entry reaches record r (a lookup's key comparison).
  bool Reaches(HashIndex& idx, size_t r) const {
    for (uint64_t a = idx.Find(hashes_[r]).address(); a != 0;) {
      if (a == AddressOf(r)) return true;
      if (a < disk_below) return true;  // the disk remainder may hold it: the store reads it
      a = prev_[RecordAt(a)].load(std::memory_order_acquire);
    }
    return false;
  }
  // The first record of `key_records` met on `hash`'s chain (the newest version), or -1.
  int64_t Newest(HashIndex& idx, uint64_t hash, const std::set<size_t>& key_records) const {
    for (uint64_t a = idx.Find(hash).address(); a != 0;) {
      const size_t r = RecordAt(a);
      if (key_records.count(r) != 0) return static_cast<int64_t>(r);
      a = prev_[r].load(std::memory_order_acquire);
    }
    return -1;
  }

 private:
  std::vector<uint64_t> hashes_;
  std::unique_ptr<std::atomic<uint64_t>[]> prev_;
};

// Links record r under its hash, as a store's insert does: FindOrCreate, then CAS the entry
// from the word seen to the new record whose prev is that word's address.
void Link(HashIndex& idx, FakeLog& log, size_t r) {
  for (;;) {
    EntrySlot s = idx.FindOrCreate(log.hash(r), 0);
    log.set_prev(r, s.address());
    uint64_t expected = s.entry;
    if (s.slot->compare_exchange_strong(expected,
                                        MakeEntry(EntryTag(s.entry), FakeLog::AddressOf(r)))) {
      return;
    }
  }
}

void GrowFully(HashIndex& idx, epoch::LightEpoch& epoch, uint32_t slot) {
  ASSERT_TRUE(idx.StartGrow());
  while (idx.MigrateOneChunk()) epoch.Refresh(slot);
  ASSERT_TRUE(idx.FinishGrow());
  epoch.Refresh(slot);
}

// Every (bucket, tag) of the index appears once.
void ExpectNoDuplicateTags(HashIndex& idx) {
  std::set<std::pair<uint64_t, uint16_t>> seen;
  for (uint64_t b = 0; b < idx.num_buckets(); ++b) {
    idx.ForEachEntry(b, [&](std::atomic<uint64_t>&, uint64_t e) {
      EXPECT_TRUE(seen.insert({b, EntryTag(e)}).second) << "bucket " << b << " tag " << EntryTag(e);
    });
  }
}

class HashIndexTest : public ::testing::Test {
 protected:
  HashIndexTest() : slot_(epoch_.AcquireSlot()) { epoch_.Protect(slot_); }
  ~HashIndexTest() override {
    epoch_.Unprotect(slot_);
    epoch_.ReleaseSlot(slot_);
  }
  epoch::LightEpoch epoch_;
  uint32_t slot_;
  FakeLog no_records_{{}};
};

TEST_F(HashIndexTest, CreateFindAndCas) {
  HashIndex idx(16, &epoch_, &no_records_);
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

TEST_F(HashIndexTest, OverflowBucketsGrowCapacity) {
  HashIndex idx(2, &epoch_, &no_records_);
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
  EXPECT_TRUE(idx.ShouldGrow());
  for (uint16_t tag = 1; tag <= 100; ++tag) {
    EXPECT_EQ(idx.Find(HashWith(1, tag)).address(), 1000u + tag);
  }
  int seen = 0;
  idx.ForEachEntry(1, [&](std::atomic<uint64_t>&, uint64_t) { ++seen; });
  EXPECT_EQ(seen, 100);
  idx.Clear();
  EXPECT_EQ(idx.Find(HashWith(1, 5)).slot, nullptr);
}

TEST_F(HashIndexTest, StaleSlotsAreReused) {
  HashIndex idx(1, &epoch_, &no_records_);
  for (uint16_t tag = 1; tag <= kEntriesPerBucket; ++tag) {
    EntrySlot s = idx.FindOrCreate(HashWith(0, tag), 0);
    uint64_t e = s.entry;
    ASSERT_TRUE(s.slot->compare_exchange_strong(e, MakeEntry(tag, 100)));
  }
  // Every address is below the begin address 200: the new tag takes a main-bucket slot.
  idx.FindOrCreate(HashWith(0, 500), 200);
  EXPECT_EQ(idx.overflow_buckets(), 0u);
}

TEST_F(HashIndexTest, ConcurrentCreateInstallsOneEntryPerTag) {
  HashIndex idx(4, &epoch_, &no_records_);
  constexpr int kThreads = 4;
  std::vector<std::vector<std::atomic<uint64_t>*>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      epoch::EpochGuard guard(epoch_, epoch_.AcquireSlot());
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

// Random hashes over a 4-bucket index: growth splits every chain by the new hash bit.
std::vector<uint64_t> RandomHashes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> h(n);
  for (auto& x : h) x = rng();
  return h;
}

TEST_F(HashIndexTest, GrowSplitsChainsAndKeepsEveryKey) {
  FakeLog log(RandomHashes(3000, 7));
  HashIndex idx(4, &epoch_, &log);
  for (size_t r = 0; r < 3000; ++r) Link(idx, log, r);
  EXPECT_TRUE(idx.ShouldGrow());
  const uint64_t bytes_before = idx.MemoryBytes();
  for (int g = 0; g < 10; ++g) GrowFully(idx, epoch_, slot_);
  EXPECT_EQ(idx.num_buckets(), 4096u);
  EXPECT_EQ(idx.grows(), 10u);
  // The old tables go once no thread can see them: after this thread refreshes.
  epoch_.Refresh(slot_);
  epoch_.Drain();
  EXPECT_GT(idx.MemoryBytes(), bytes_before);
  EXPECT_LT(idx.overflow_buckets(), 4096u / 4);
  for (size_t r = 0; r < 3000; ++r) ASSERT_TRUE(log.Reaches(idx, r)) << r;
  // Chains were split exactly: each entry's first record belongs to its bucket.
  for (uint64_t b = 0; b < idx.num_buckets(); ++b) {
    idx.ForEachEntry(b, [&](std::atomic<uint64_t>&, uint64_t e) {
      EXPECT_EQ(idx.BucketOf(log.hash(FakeLog::RecordAt(EntryAddress(e)))), b);
    });
  }
  ExpectNoDuplicateTags(idx);
}

TEST_F(HashIndexTest, GrowKeepsOnDiskRemainderInBothHalves) {
  // Two records in bucket 0 with one tag, differing in the bit that the growth splits on; the
  // older one is on disk, so the newer half's entry and the other half's both keep it.
  FakeLog log({HashWith(0, 9), HashWith(1, 9)});
  log.disk_below = FakeLog::AddressOf(1);
  HashIndex idx(1, &epoch_, &log);
  Link(idx, log, 0);
  Link(idx, log, 1);
  GrowFully(idx, epoch_, slot_);
  EXPECT_EQ(idx.Find(HashWith(1, 9)).address(), FakeLog::AddressOf(1));
  EXPECT_EQ(idx.Find(HashWith(0, 9)).address(), FakeLog::AddressOf(0));
}

TEST_F(HashIndexTest, CommandThreadsMigrateTheChunkTheyTouch) {
  FakeLog log(RandomHashes(4000, 11));
  HashIndex idx(2 * HashIndex::kMigrationChunk, &epoch_, &log);
  for (size_t r = 0; r < 4000; ++r) Link(idx, log, r);
  ASSERT_TRUE(idx.StartGrow());
  EXPECT_TRUE(idx.growing());
  EXPECT_EQ(idx.num_buckets(), 4 * HashIndex::kMigrationChunk);
  // Nobody runs the background migration: lookups migrate what they touch.
  for (size_t r = 0; r < 4000; ++r) ASSERT_TRUE(log.Reaches(idx, r)) << r;
  EXPECT_FALSE(idx.MigrateOneChunk());  // every chunk was claimed by a lookup
  EXPECT_TRUE(idx.FinishGrow());
  EXPECT_FALSE(idx.growing());
}

// Threads insert, update and look up keys while another thread grows the index again and again.
// Every key keeps its newest version, and no bucket holds a tag twice.
TEST_F(HashIndexTest, ConcurrentGrowthWhileInsertingAndLookingUp) {
  constexpr int kThreads = 3;
  constexpr size_t kKeysPerThread = 3000;
  constexpr size_t kKeys = kThreads * kKeysPerThread;
  // Records [0, kKeys) are first versions, [kKeys, 2 kKeys) second versions of the same keys.
  std::vector<uint64_t> hashes = RandomHashes(kKeys, 3);
  // Many keys share tags, so chains hold several keys and tentative inserts collide.
  for (auto& h : hashes) h = (h & ((uint64_t{1} << 50) - 1)) | (uint64_t{1 + h % 64} << 50);
  hashes.insert(hashes.end(), hashes.begin(), hashes.end());
  FakeLog log(hashes);
  HashIndex idx(2, &epoch_, &log);
  // A protected thread that never refreshes holds back the old tables' release, and with it the
  // next growth: this one only waits.
  epoch_.Unprotect(slot_);
  std::atomic<int> writers{kThreads};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const uint32_t slot = epoch_.AcquireSlot();
      epoch_.Protect(slot);
      const size_t first = t * kKeysPerThread;
      for (size_t i = 0; i < kKeysPerThread; ++i) {
        Link(idx, log, first + i);
        if (i % 2 == 1) Link(idx, log, kKeys + first + i - 1);  // update the previous key
        // Earlier keys stay reachable while chunks move.
        const size_t probe = first + (i * 7919) % (i + 1);
        if (!log.Reaches(idx, probe)) failed = true;
        epoch_.Refresh(slot);
        // Make sure growths overlap the writes, however the threads are scheduled.
        const uint64_t want = i == kKeysPerThread / 3 ? 1 : i == 2 * kKeysPerThread / 3 ? 2 : 0;
        while (idx.grows() < want) {
          epoch_.Refresh(slot);
          std::this_thread::yield();
        }
      }
      epoch_.Unprotect(slot);
      epoch_.ReleaseSlot(slot);
      writers.fetch_sub(1);
    });
  }
  threads.emplace_back([&] {
    const uint32_t slot = epoch_.AcquireSlot();
    while (writers.load() > 0) {
      epoch_.Protect(slot);
      if ((idx.num_buckets() < 4096 && idx.StartGrow()) || idx.growing()) {
        while (idx.MigrateOneChunk()) epoch_.Refresh(slot);
        idx.FinishGrow();
      }
      epoch_.Unprotect(slot);
      epoch_.Drain();
      std::this_thread::yield();
    }
    epoch_.ReleaseSlot(slot);
  });
  for (auto& th : threads) th.join();
  EXPECT_FALSE(failed.load());
  EXPECT_GE(idx.grows(), 2u);
  epoch_.Protect(slot_);
  for (size_t k = 0; k < kKeys; ++k) {
    std::set<size_t> versions = {k, kKeys + k};
    const int64_t expected = k % 2 == 0 && k % kKeysPerThread + 1 < kKeysPerThread ? kKeys + k : k;
    ASSERT_EQ(log.Newest(idx, hashes[k], versions), expected) << k;
  }
  ExpectNoDuplicateTags(idx);
}

}  // namespace
}  // namespace ferrite::storage::index
