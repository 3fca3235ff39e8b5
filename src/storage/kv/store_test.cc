// HybridLog store unit tests on tiny pages (4 KiB, a handful in memory), so every region and
// every transition is reached deterministically: mutable -> read-only -> disk -> back to the
// tail, in-place vs copy updates, the fuzzy-region locking, scans across regions, expiry,
// databases, large records, faults and compaction.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <cstring>
#include <map>
#include <set>

#include "io/faulty_device.h"
#include "storage/kv/store_test_util.h"

namespace ferrite::storage {
namespace {

using testing::Del;
using testing::Get;
using testing::Set;
using testing::TinyOptions;
using testing::WaitFor;

// INCR as Garnet maps it: the path taken is recorded.
class Incr final : public RmwFunctions {
 public:
  std::string path;
  Status InitialUpdate(RecordBuilder& out) override {
    path = "initial";
    out.value = "1";
    return Status::Ok();
  }
  bool InPlaceUpdate(MutableRecord& rec) override {
    path = "in_place";
    std::string v = std::to_string(std::stoll(std::string(rec.value, *rec.length)) + 1);
    if (v.size() > rec.capacity) return false;
    std::memcpy(rec.value, v.data(), v.size());
    *rec.length = static_cast<uint32_t>(v.size());
    return true;
  }
  Status CopyUpdate(const RecordView& old, RecordBuilder& out) override {
    path = "copy";
    out.value = std::to_string(std::stoll(std::string(old.value)) + 1);
    return Status::Ok();
  }
};

class StoreTest : public ::testing::Test {
 protected:
  void Open(uint64_t memory_pages = 8, uint32_t page_size = 4096) {
    dev_ = std::make_shared<io::FaultyDevice>(std::make_unique<io::MemDevice>());
    auto s = NewHybridLogStore(TinyOptions(dev_, memory_pages, page_size, &now_));
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(s).value();
    session_ = store_->NewSession();
  }
  // Writes filler records until `key`'s record is no longer in the tier it was in.
  void PushOut(int n, int value_size = 200) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(
          Set(*session_, 1, "filler" + std::to_string(filler_++), std::string(value_size, 'f'))
              .ok());
    }
  }
  Tier TierOf(std::string_view key) {
    Tier t = Tier::kMutable;
    Status st = session_->Read(0, key, [&](const RecordView& r) { t = r.tier; });
    if (st.IsPending()) return Tier::kDisk;
    EXPECT_TRUE(st.ok()) << st.ToString();
    return t;
  }

  int64_t now_ = 1'000'000;
  int filler_ = 0;
  std::shared_ptr<io::FaultyDevice> dev_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<StoreSession> session_;
};

TEST_F(StoreTest, RejectsBadOptions) {
  HybridLogOptions o;
  o.page_size = 1000;
  EXPECT_EQ(NewHybridLogStore(o).error().code(), StatusCode::kInvalidArgument);
  o = HybridLogOptions();
  o.max_memory = 1 << 20;
  EXPECT_EQ(NewHybridLogStore(o).error().code(), StatusCode::kInvalidArgument);
  MaxMemoryPolicy p;
  EXPECT_TRUE(ParseMaxMemoryPolicy("volatile-ttl", &p));
  EXPECT_EQ(p, MaxMemoryPolicy::kVolatileTtl);
  EXPECT_EQ(MaxMemoryPolicyName(MaxMemoryPolicy::kAllKeysLru), "allkeys-lru");
  EXPECT_FALSE(ParseMaxMemoryPolicy("lru", &p));
}

TEST_F(StoreTest, BasicOperationsAndCounts) {
  Open();
  EXPECT_TRUE(session_->Read(0, "k", [](const RecordView&) {}).IsNotFound());
  ASSERT_TRUE(Set(*session_, 0, "k", "v1").ok());
  EXPECT_EQ(Get(*session_, 0, "k"), "v1");
  EXPECT_EQ(store_->KeyCount(0), 1u);
  ASSERT_TRUE(Set(*session_, 0, "k", "a longer value that does not fit in place").ok());
  EXPECT_EQ(Get(*session_, 0, "k"), "a longer value that does not fit in place");
  EXPECT_EQ(store_->KeyCount(0), 1u);
  ASSERT_TRUE(Set(*session_, 0, "", "empty key works").ok());
  EXPECT_EQ(Get(*session_, 0, ""), "empty key works");
  EXPECT_EQ(store_->KeyCount(0), 2u);
  EXPECT_TRUE(Del(*session_, 0, "k").ok());
  EXPECT_TRUE(Del(*session_, 0, "k").IsNotFound());
  EXPECT_EQ(Get(*session_, 0, "k"), std::nullopt);
  EXPECT_EQ(store_->KeyCount(0), 1u);
  // Databases are separate.
  ASSERT_TRUE(Set(*session_, 3, "k", "db3").ok());
  EXPECT_EQ(Get(*session_, 3, "k"), "db3");
  EXPECT_EQ(Get(*session_, 0, "k"), std::nullopt);
  EXPECT_EQ(store_->KeyCount(3), 1u);
  // Value type round-trips.
  RecordBuilder rb;
  rb.type = ValueType::kHash;
  rb.value = "serialised";
  ASSERT_TRUE(session_->Upsert(0, "h", rb).ok());
  ValueType type = ValueType::kString;
  ASSERT_TRUE(session_->Read(0, "h", [&](const RecordView& r) { type = r.type; }).ok());
  EXPECT_EQ(type, ValueType::kHash);
  EXPECT_EQ(session_->Read(99, "h", [](const RecordView&) {}).code(), StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, RmwPathsFollowTheRegions) {
  Open();
  Incr incr;
  ASSERT_TRUE(session_->Rmw(0, "n", incr).ok());
  EXPECT_EQ(incr.path, "initial");
  ASSERT_TRUE(session_->Rmw(0, "n", incr).ok());
  EXPECT_EQ(incr.path, "in_place");
  EXPECT_EQ(Get(*session_, 0, "n"), "2");
  EXPECT_EQ(TierOf("n"), Tier::kMutable);

  // Push "n" below ReadOnlyAddress (but still in memory): the next RMW copies it to the tail.
  ASSERT_TRUE(WaitFor([&] {
    PushOut(2);
    return TierOf("n") != Tier::kMutable;
  }));
  ASSERT_EQ(TierOf("n"), Tier::kReadOnly);
  ASSERT_TRUE(session_->Rmw(0, "n", incr).ok());
  EXPECT_EQ(incr.path, "copy");
  EXPECT_EQ(TierOf("n"), Tier::kMutable);
  EXPECT_EQ(Get(*session_, 0, "n"), "3");

  // Push it to disk: the RMW goes pending; after EnsureResident it runs on the copy.
  ASSERT_TRUE(WaitFor([&] {
    PushOut(4);
    return TierOf("n") == Tier::kDisk;
  }));
  EXPECT_TRUE(session_->Rmw(0, "n", incr).IsPending());
  Status st = testing::Resolve(*session_, 0, "n", [&] { return session_->Rmw(0, "n", incr); });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Get(*session_, 0, "n"), "4");
  EXPECT_EQ(store_->KeyCount(0), 1u);
  StoreStats stats = store_->Stats();
  EXPECT_GT(stats.in_place_updates, 0u);
  EXPECT_GT(stats.copy_updates, 0u);
}

TEST_F(StoreTest, EveryRegionTransition) {
  Open();
  ASSERT_TRUE(Set(*session_, 0, "key", "value-1").ok());
  EXPECT_EQ(TierOf("key"), Tier::kMutable);
  StoreStats s0 = store_->Stats();
  EXPECT_GT(s0.bytes_mutable, 0u);

  ASSERT_TRUE(WaitFor([&] {
    PushOut(2);
    return TierOf("key") == Tier::kReadOnly;
  }));
  // A blind write to a read-only record appends a new version.
  ASSERT_TRUE(Set(*session_, 0, "key", "value-2").ok());
  EXPECT_EQ(TierOf("key"), Tier::kMutable);

  ASSERT_TRUE(WaitFor([&] {
    PushOut(4);
    return TierOf("key") == Tier::kDisk;
  }));
  StoreStats s1 = store_->Stats();
  EXPECT_GT(s1.bytes_disk, 0u);
  EXPECT_GT(s1.bytes_read_only, 0u);
  EXPECT_LE(s1.bytes_mutable + s1.bytes_read_only, 8u * 4096);
  EXPECT_TRUE(session_->Read(0, "key", [](const RecordView&) {}).IsPending());
  // Upsert and Delete also need the old record: Pending.
  RecordBuilder rb;
  rb.value = "x";
  EXPECT_TRUE(session_->Upsert(0, "key", rb).IsPending());
  EXPECT_TRUE(session_->Delete(0, "key").IsPending());

  Tier tier = Tier::kMutable;
  EXPECT_EQ(Get(*session_, 0, "key", &tier), "value-2");
  EXPECT_EQ(tier, Tier::kDisk) << "the first read after the fetch counts as a disk read";
  EXPECT_EQ(TierOf("key"), Tier::kMutable) << "copied to the tail";
  StoreStats s2 = store_->Stats();
  EXPECT_GE(s2.reads_disk, 1u);
  EXPECT_GE(s2.reads_mutable, 1u);
  EXPECT_GE(s2.reads_read_only, 1u);
  EXPECT_GT(s2.disk_reads, 0u);
  EXPECT_GT(s2.current_epoch, s0.current_epoch);
  EXPECT_EQ(s2.pending_reads, 0u);

  // Absent keys whose tag chain is on disk resolve to NotFound, not Pending forever.
  Status st;
  EXPECT_EQ(Get(*session_, 0, "never-written", nullptr, &st), std::nullopt);
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_EQ(store_->KeyCount(0), 1u);
  EXPECT_EQ(store_->KeyCount(1), static_cast<uint64_t>(filler_));
}

TEST_F(StoreTest, DeleteOnDiskAndReinsert) {
  Open();
  ASSERT_TRUE(Set(*session_, 0, "gone", "v").ok());
  ASSERT_TRUE(WaitFor([&] {
    PushOut(4);
    return TierOf("gone") == Tier::kDisk;
  }));
  EXPECT_TRUE(Del(*session_, 0, "gone").ok());
  EXPECT_EQ(store_->KeyCount(0), 0u);
  EXPECT_EQ(Get(*session_, 0, "gone"), std::nullopt);
  // The tombstone itself goes to disk; the key stays absent and can come back.
  ASSERT_TRUE(WaitFor([&] {
    PushOut(4);
    return session_->Read(0, "gone", [](const RecordView&) {}).IsPending();
  }));
  EXPECT_EQ(Get(*session_, 0, "gone"), std::nullopt);
  ASSERT_TRUE(Set(*session_, 0, "gone", "back").ok());
  EXPECT_EQ(Get(*session_, 0, "gone"), "back");
  EXPECT_EQ(store_->KeyCount(0), 1u);
}

TEST_F(StoreTest, ExpiryIsLazyActiveAndOnDisk) {
  Open();
  ASSERT_TRUE(Set(*session_, 0, "a", "1", now_ + 100).ok());
  ASSERT_TRUE(Set(*session_, 0, "b", "2", now_ + 100).ok());
  ASSERT_TRUE(Set(*session_, 0, "c", "3").ok());
  ASSERT_TRUE(Set(*session_, 0, "d", "4", now_ + 100000).ok());
  EXPECT_EQ(store_->ExpiringKeyCount(0), 3u);
  int64_t expire = 0;
  ASSERT_TRUE(session_->Read(0, "a", [&](const RecordView& r) { expire = r.expire_at_ms; }).ok());
  EXPECT_EQ(expire, now_ + 100);
  now_ += 100;  // expiry is "at or before now"
  EXPECT_EQ(Get(*session_, 0, "a"), std::nullopt);
  EXPECT_EQ(store_->KeyCount(0), 3u) << "the lazy read removed it";
  EXPECT_EQ(store_->ActiveExpireCycle(100000), 1u) << "b";
  EXPECT_EQ(store_->KeyCount(0), 2u);
  EXPECT_EQ(store_->ExpiringKeyCount(0), 1u);
  EXPECT_EQ(store_->Stats().expired_keys, 2u);

  // An expired record on disk: fetching it removes it.
  ASSERT_TRUE(WaitFor([&] {
    PushOut(4);
    return TierOf("d") == Tier::kDisk;
  }));
  now_ += 100000;
  EXPECT_EQ(Get(*session_, 0, "d"), std::nullopt);
  EXPECT_EQ(store_->KeyCount(0), 1u);
  EXPECT_EQ(store_->ExpiringKeyCount(0), 0u);
  // Upsert over an expired key creates it afresh.
  ASSERT_TRUE(Set(*session_, 0, "c", "x", now_ + 5).ok());
  EXPECT_EQ(store_->ExpiringKeyCount(0), 1u);
  now_ += 10;
  Incr incr;
  ASSERT_TRUE(session_->Rmw(0, "c", incr).ok());
  EXPECT_EQ(incr.path, "initial");
  EXPECT_EQ(store_->KeyCount(0), 1u);
  EXPECT_EQ(store_->ExpiringKeyCount(0), 0u);
}

TEST_F(StoreTest, ScanCoversAllRegionsAndRandomKey) {
  Open();
  std::set<std::string> expected;
  for (int i = 0; i < 300; ++i) {
    std::string k = "scan" + std::to_string(i);
    ASSERT_TRUE(Set(*session_, 2, k, std::string(100, 'v')).ok());
    expected.insert(k);
  }
  ASSERT_TRUE(Del(*session_, 2, "scan7").ok());
  expected.erase("scan7");
  ASSERT_TRUE(Set(*session_, 2, "scan8", "", now_ + 1).ok());
  now_ += 1;
  expected.erase("scan8");
  StoreStats st = store_->Stats();
  ASSERT_GT(st.bytes_disk, 0u) << "some keys must be on disk for this test";
  std::set<std::string> got;
  std::set<Tier> tiers;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = session_->Scan(2, cursor, 10, [&](std::string_view k, const RecordView& r) {
      got.emplace(k);
      tiers.insert(r.tier);
      EXPECT_EQ(r.value, std::string(100, 'v'));
    });
    ++calls;
  } while (cursor != 0 && calls < 100000);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(tiers.count(Tier::kDisk));
  EXPECT_TRUE(tiers.count(Tier::kMutable));
  EXPECT_GT(calls, 1);
  for (int i = 0; i < 20; ++i) {
    auto k = session_->RandomKey(2);
    ASSERT_TRUE(k);
    EXPECT_TRUE(expected.count(*k)) << *k;
  }
  EXPECT_TRUE(session_->RandomKey(5).error().IsNotFound());
}

TEST_F(StoreTest, FlushAndSwapDatabases) {
  Open();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(Set(*session_, 0, "k" + std::to_string(i), "zero").ok());
    ASSERT_TRUE(Set(*session_, 1, "k" + std::to_string(i), "one", now_ + 1000).ok());
  }
  ASSERT_TRUE(store_->SwapDb(0, 1).ok());
  EXPECT_EQ(Get(*session_, 0, "k3"), "one");
  EXPECT_EQ(Get(*session_, 1, "k3"), "zero");
  EXPECT_EQ(store_->ExpiringKeyCount(0), 50u);
  EXPECT_EQ(store_->ExpiringKeyCount(1), 0u);
  ASSERT_TRUE(store_->FlushDb(0).ok());
  EXPECT_EQ(store_->KeyCount(0), 0u);
  EXPECT_EQ(Get(*session_, 0, "k3"), std::nullopt);
  EXPECT_EQ(Get(*session_, 1, "k3"), "zero");
  EXPECT_EQ(store_->KeyCount(1), 50u);
  ASSERT_TRUE(Set(*session_, 0, "k3", "new").ok());
  EXPECT_EQ(store_->KeyCount(0), 1u);
  ASSERT_TRUE(store_->FlushAll().ok());
  EXPECT_EQ(store_->KeyCount(0), 0u);
  EXPECT_EQ(store_->KeyCount(1), 0u);
  EXPECT_EQ(Get(*session_, 1, "k3"), std::nullopt);
  uint64_t cursor = 0;
  int seen = 0;
  do {
    cursor = session_->Scan(1, cursor, 100, [&](std::string_view, const RecordView&) { ++seen; });
  } while (cursor != 0);
  EXPECT_EQ(seen, 0);
  ASSERT_TRUE(Set(*session_, 1, "after", "flush").ok());
  EXPECT_EQ(Get(*session_, 1, "after"), "flush");
}

TEST_F(StoreTest, RecordsLargerThanAPage) {
  Open(/*memory_pages=*/16);
  std::string big(3 * 4096 + 123, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(Set(*session_, 0, "big", big).ok());
  EXPECT_TRUE(Get(*session_, 0, "big") == big);
  ASSERT_TRUE(WaitFor([&] {
    PushOut(8);
    return TierOf("big") == Tier::kDisk;
  }));
  EXPECT_TRUE(Get(*session_, 0, "big") == big);
  // Too large for the in-memory log: refused, nothing corrupted.
  RecordBuilder huge;
  huge.value.assign(20 * 4096, 'h');
  EXPECT_EQ(session_->Upsert(0, "huge", huge).code(), StatusCode::kOutOfMemory);
  EXPECT_TRUE(Get(*session_, 0, "big") == big);
}

TEST_F(StoreTest, NoSpaceFailsWritesButReadsWork) {
  Open();
  ASSERT_TRUE(Set(*session_, 0, "old", "on disk soon").ok());
  ASSERT_TRUE(WaitFor([&] {
    PushOut(4);
    return TierOf("old") == Tier::kDisk;
  }));
  ASSERT_TRUE(Set(*session_, 0, "hot", "in memory").ok());
  dev_->set_no_space(true);
  Status st;
  int written = 0;
  for (; written < 1000; ++written) {
    st = Set(*session_, 1, "full" + std::to_string(written), std::string(200, 'x'));
    if (!st.ok()) break;
  }
  EXPECT_EQ(st.code(), StatusCode::kNoSpace) << st.ToString();
  EXPECT_TRUE(store_->Stats().write_blocked);
  EXPECT_EQ(Get(*session_, 0, "hot"), "in memory");
  EXPECT_EQ(Get(*session_, 0, "old"), "on disk soon") << "disk reads still work";
  EXPECT_EQ(Get(*session_, 1, "full0"), std::string(200, 'x'));
  dev_->set_no_space(false);
  // The worker retries the flush; writes resume and nothing written before was lost.
  ASSERT_TRUE(WaitFor([&] { return Set(*session_, 1, "after", "space").ok(); }));
  for (int i = 0; i < written; ++i) {
    EXPECT_EQ(Get(*session_, 1, "full" + std::to_string(i)), std::string(200, 'x')) << i;
  }
  EXPECT_EQ(Get(*session_, 0, "old"), "on disk soon");
}

TEST_F(StoreTest, ChecksumFailureIsReportedNeverServed) {
  Open();
  ASSERT_TRUE(Set(*session_, 0, "victim", "precious data").ok());
  ASSERT_TRUE(WaitFor([&] {
    PushOut(4);
    return TierOf("victim") == Tier::kDisk;
  }));
  dev_->set_flip_reads(true, 45);  // inside the first record read: its key bytes
  Status st;
  auto v = Get(*session_, 0, "victim", nullptr, &st);
  dev_->set_flip_reads(false);
  EXPECT_EQ(v, std::nullopt);
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  EXPECT_GE(store_->Stats().corrupt_records, 1u);
  // The key can be written again.
  ASSERT_TRUE(Set(*session_, 0, "victim", "rewritten").ok());
  EXPECT_EQ(Get(*session_, 0, "victim"), "rewritten");
}

TEST_F(StoreTest, TornWriteIsDetected) {
  Open();
  dev_->set_torn_writes(1000);  // every page write loses its second half
  ASSERT_TRUE(Set(*session_, 0, "first", "x").ok());
  PushOut(4);
  std::string last;
  for (int i = 0; i < 200; ++i) {
    last = "torn" + std::to_string(i);
    ASSERT_TRUE(Set(*session_, 0, last, std::string(300, 't')).ok());
  }
  ASSERT_TRUE(WaitFor([&] {
    PushOut(1);
    return TierOf("torn5") == Tier::kDisk;
  }));
  dev_->set_torn_writes(0);
  // Every key either reads back intact or reports corruption: never wrong bytes.
  int corrupt = 0;
  for (int i = 0; i < 200; ++i) {
    Status st;
    auto v = Get(*session_, 0, "torn" + std::to_string(i), nullptr, &st);
    if (st.code() == StatusCode::kCorruption || st.code() == StatusCode::kIoError) {
      ++corrupt;  // a torn page reads as a bad checksum, or short if it was the file's end
    } else {
      ASSERT_TRUE(v.has_value()) << i << " " << st.ToString();
      EXPECT_EQ(*v, std::string(300, 't'));
    }
  }
  EXPECT_GT(corrupt, 0);
}

TEST_F(StoreTest, CompactionBoundsDiskUnderOverwrites) {
  Open(/*memory_pages=*/8);
  // 40 live keys overwritten 100 times with a value that outgrows its record each time, so every
  // write appends (~2 MB of log for ~36 KB live at the end).
  auto value = [](int round) { return std::string(100 + 8 * round, 'a' + round % 26); };
  StoreStats st;
  for (int round = 0; round < 100; ++round) {
    for (int k = 0; k < 40; ++k) {
      ASSERT_TRUE(Set(*session_, 0, "live" + std::to_string(k), value(round)).ok());
    }
    st = store_->Stats();
    // Disk stays within 2x live bytes plus the segment being compacted and one being filled
    // (16 KiB segments here), and the in-memory pages that count towards the trigger.
    EXPECT_LE(st.bytes_disk, 2 * st.live_bytes + 4 * 16384 + 8 * 4096) << round;
  }
  ASSERT_TRUE(WaitFor([&] {
    st = store_->Stats();
    return st.compactions > 0;
  }));
  EXPECT_EQ(store_->KeyCount(0), 40u);
  for (int k = 0; k < 40; ++k) {
    EXPECT_TRUE(Get(*session_, 0, "live" + std::to_string(k)) == value(99)) << k;
  }
  auto* mem = static_cast<io::MemDevice*>(&dev_->inner());
  EXPECT_LE(mem->BytesForTest(), 2 * st.live_bytes + 4 * 16384 + 8 * 4096);
  EXPECT_GT(st.compacted_bytes, 1u << 20);
}

TEST_F(StoreTest, MaxDiskNoEvictionAnswersOom) {
  dev_ = std::make_shared<io::FaultyDevice>(std::make_unique<io::MemDevice>());
  HybridLogOptions o = TinyOptions(dev_, 8, 4096, &now_);
  o.max_disk = 8 * 4096;
  store_ = std::move(NewHybridLogStore(o)).value();
  session_ = store_->NewSession();
  Status st;
  int i = 0;
  for (; i < 5000; ++i) {
    st = Set(*session_, 0, "k" + std::to_string(i), std::string(200, 'x'));
    if (!st.ok()) break;
  }
  EXPECT_EQ(st.code(), StatusCode::kOutOfMemory) << st.ToString();
  EXPECT_EQ(store_->Stats().evicted_keys, 0u);
  Status rs;
  EXPECT_EQ(Get(*session_, 0, "k0", nullptr, &rs), std::string(200, 'x')) << rs.ToString();
  EXPECT_EQ(store_->KeyCount(0), static_cast<uint64_t>(i));
}

TEST_F(StoreTest, MaxDiskAllKeysEvicts) {
  dev_ = std::make_shared<io::FaultyDevice>(std::make_unique<io::MemDevice>());
  HybridLogOptions o = TinyOptions(dev_, 8, 4096, &now_);
  o.max_disk = 8 * 4096;
  o.policy = MaxMemoryPolicy::kAllKeysLru;
  store_ = std::move(NewHybridLogStore(o)).value();
  session_ = store_->NewSession();
  for (int i = 0; i < 2000; ++i) {
    Status st = Set(*session_, 0, "k" + std::to_string(i), std::string(200, 'x'));
    ASSERT_TRUE(st.ok()) << i << " " << st.ToString();
  }
  // Eviction runs on the I/O thread: a segment being dropped may have left KeyCount before its
  // keys reach evicted_keys. Once it finishes, every key is either live or counted as evicted.
  StoreStats st = store_->Stats();
  for (int wait = 0; wait < 500 && store_->KeyCount(0) + st.evicted_keys != 2000u; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    st = store_->Stats();
  }
  EXPECT_GT(st.evicted_keys, 0u);
  EXPECT_LE(st.bytes_disk, o.max_disk);
  EXPECT_EQ(store_->KeyCount(0) + st.evicted_keys, 2000u);
  EXPECT_EQ(Get(*session_, 0, "k1999"), std::string(200, 'x'));
  EXPECT_EQ(Get(*session_, 0, "k0"), std::nullopt) << "the oldest keys went first";
}

}  // namespace
}  // namespace ferrite::storage
