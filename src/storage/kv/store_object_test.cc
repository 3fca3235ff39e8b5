// Collection records in the HybridLog (docs/design/collections.md): objects through Read,
// Upsert, Rmw (in place, copy-update from the read-only region, from disk) and Delete; every
// path that frees an object (in-place delete, emptied collection, overwrite, expiry, FlushDb,
// FlushAll, page close, store destruction), checked through StoreStats and a live-instance
// counter; flush to the object log and reads back (pending, scan, compaction), and
// larger-than-memory collections.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>

#include "io/faulty_device.h"
#include "io/mem_device.h"
#include "storage/hlog/hybrid_log.h"
#include "storage/kv/store_test_util.h"
#include "storage/objects/hash_object.h"

namespace ferrite::storage {
namespace {

using testing::Del;
using testing::Resolve;
using testing::Set;
using testing::TinyOptions;
using testing::WaitFor;

// A memory-only object that counts its live instances, so tests can prove every object is freed
// exactly once (a double free would crash, or fail under ASan).
std::atomic<int> g_tracked_live{0};

class TrackedObject final : public StoredObject {
 public:
  explicit TrackedObject(size_t elements) : elements_(elements) { ++g_tracked_live; }
  ~TrackedObject() override { --g_tracked_live; }
  ValueType type() const override { return ValueType::kSet; }
  size_t Length() const override { return elements_; }
  size_t MemoryUsage() const override { return sizeof(*this) + elements_ * 100; }
  void Serialize(std::string* out) const override { out->append("tracked"); }
  std::unique_ptr<StoredObject> Clone() const override {
    return std::make_unique<TrackedObject>(elements_);
  }
  size_t elements_;
};

std::unique_ptr<HashObject> MakeHash(const std::map<std::string, std::string>& fields) {
  auto h = std::make_unique<HashObject>();
  for (const auto& [f, v] : fields) h->table().Set(f, v);
  return h;
}

using Fields = std::map<std::string, std::string>;

Fields FieldsOf(const StoredObject& o) {
  Fields out;
  for (const auto& e : static_cast<const HashObject&>(o).table().entries()) {
    out[std::string(e.key)] = e.value;
  }
  return out;
}

// HSET field value, recording the path the engine chose.
class HSet final : public RmwFunctions {
 public:
  HSet(std::string field, std::string value) : field_(std::move(field)), value_(std::move(value)) {}
  std::string path;
  Status InitialUpdate(RecordBuilder& out) override {
    path = "initial";
    out.type = ValueType::kHash;
    out.object = MakeHash({{field_, value_}});
    return Status::Ok();
  }
  bool InPlaceUpdate(MutableRecord& rec) override {
    path = "in_place";
    if (rec.type != ValueType::kHash) return false;
    EXPECT_NE(rec.object, nullptr);
    static_cast<HashObject*>(rec.object)->table().Set(field_, value_);
    return true;
  }
  Status CopyUpdate(const RecordView& old, RecordBuilder& out) override {
    path = "copy";
    if (old.type != ValueType::kHash) return Status::WrongType();
    EXPECT_NE(old.object, nullptr);
    EXPECT_TRUE(old.value.empty());
    EXPECT_NE(out.object.get(), old.object) << "CopyUpdate works on a clone";
    static_cast<HashObject*>(out.object.get())->table().Set(field_, value_);
    return Status::Ok();
  }

 private:
  std::string field_, value_;
};

// HDEL field: the engine deletes the key when the hash becomes empty.
class HDel final : public RmwFunctions {
 public:
  explicit HDel(std::string field) : field_(std::move(field)) {}
  std::string path;
  Status InitialUpdate(RecordBuilder&) override { return Status::NotFound(); }
  bool InPlaceUpdate(MutableRecord& rec) override {
    path = "in_place";
    static_cast<HashObject*>(rec.object)->table().Erase(field_);
    return true;
  }
  Status CopyUpdate(const RecordView&, RecordBuilder& out) override {
    path = "copy";
    static_cast<HashObject*>(out.object.get())->table().Erase(field_);
    return Status::Ok();
  }

 private:
  std::string field_;
};

// SET over any type, as the string family's updater does it: type and value, object untouched.
class SetString final : public RmwFunctions {
 public:
  Status InitialUpdate(RecordBuilder& out) override {
    out.value = "str";
    return Status::Ok();
  }
  Status CopyUpdate(const RecordView&, RecordBuilder& out) override {
    out.type = ValueType::kString;
    out.value = "str";
    return Status::Ok();
  }
};

class ObjectStoreTest : public ::testing::Test {
 protected:
  void Open(uint64_t memory_pages = 8, uint32_t page_size = 4096) {
    dev_ = std::make_shared<io::FaultyDevice>(std::make_unique<io::MemDevice>());
    auto s = NewHybridLogStore(TinyOptions(dev_, memory_pages, page_size, &now_));
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(s).value();
    session_ = store_->NewSession();
  }
  void TearDown() override {
    session_.reset();
    store_.reset();
    EXPECT_EQ(g_tracked_live.load(), 0) << "every object is freed exactly once";
  }
  void PushOut(int n, int value_size = 200) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(
          Set(*session_, 1, "filler" + std::to_string(filler_++), std::string(value_size, 'f'))
              .ok());
    }
  }
  Tier TierOf(std::string_view key, DbIndex db = 0) {
    Tier t = Tier::kMutable;
    Status st = session_->Read(db, key, [&](const RecordView& r) { t = r.tier; });
    if (st.IsPending()) return Tier::kDisk;
    EXPECT_TRUE(st.ok()) << st.ToString();
    return t;
  }
  // The hash at `key` (resolving disk reads), or nullopt.
  std::optional<Fields> GetHash(std::string_view key, DbIndex db = 0, Tier* tier = nullptr) {
    std::optional<Fields> out;
    Status st = Resolve(*session_, db, key, [&] {
      return session_->Read(db, key, [&](const RecordView& r) {
        EXPECT_EQ(r.type, ValueType::kHash);
        EXPECT_TRUE(r.value.empty());
        if (r.object != nullptr) out = FieldsOf(*r.object);
        if (tier != nullptr) *tier = r.tier;
      });
    });
    EXPECT_TRUE(st.ok() || st.IsNotFound()) << st.ToString();
    return out;
  }
  Status UpsertHash(std::string_view key, const Fields& fields, DbIndex db = 0,
                    int64_t expire = kNoExpiry) {
    RecordBuilder rb;
    rb.type = ValueType::kHash;
    rb.expire_at_ms = expire;
    rb.object = MakeHash(fields);
    Status st = Resolve(*session_, db, key, [&] { return session_->Upsert(db, key, rb); });
    if (st.ok()) {
      EXPECT_EQ(rb.object, nullptr) << "Upsert took the object";
    }
    return st;
  }
  Status Rmw(std::string_view key, RmwFunctions& fns, DbIndex db = 0) {
    return Resolve(*session_, db, key, [&] { return session_->Rmw(db, key, fns); });
  }
  Status UpsertTracked(std::string_view key, size_t elements, DbIndex db = 0) {
    RecordBuilder rb;
    rb.type = ValueType::kSet;
    rb.object = std::make_unique<TrackedObject>(elements);
    return Resolve(*session_, db, key, [&] { return session_->Upsert(db, key, rb); });
  }

  int64_t now_ = 1'000'000;
  int filler_ = 0;
  std::shared_ptr<io::FaultyDevice> dev_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<StoreSession> session_;
};

TEST_F(ObjectStoreTest, UpsertReadAndAccounting) {
  Open();
  StoreStats s0 = store_->Stats();
  EXPECT_EQ(s0.objects, 0u);
  EXPECT_EQ(s0.object_bytes, 0u);
  auto expected = MakeHash({{"a", "1"}, {"b", "2"}});
  const size_t usage = expected->MemoryUsage();
  ASSERT_TRUE(UpsertHash("h", {{"a", "1"}, {"b", "2"}}).ok());
  EXPECT_EQ(GetHash("h"), (Fields{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(store_->KeyCount(0), 1u);
  StoreStats s1 = store_->Stats();
  EXPECT_EQ(s1.objects, 1u);
  EXPECT_EQ(s1.object_bytes, usage);
  EXPECT_EQ(s1.memory_used, s0.memory_used + usage);

  // A mismatched type is refused and the builder keeps its object.
  RecordBuilder bad;
  bad.type = ValueType::kList;
  bad.object = MakeHash({{"x", "y"}});
  EXPECT_EQ(session_->Upsert(0, "bad", bad).code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.object, nullptr);
  // A byte record of a collection type (no object) is still a plain record.
  RecordBuilder bytes;
  bytes.type = ValueType::kList;
  bytes.value = "opaque";
  ASSERT_TRUE(session_->Upsert(0, "opaque", bytes).ok());
  ASSERT_TRUE(session_
                  ->Read(0, "opaque",
                         [](const RecordView& r) {
                           EXPECT_EQ(r.object, nullptr);
                           EXPECT_EQ(r.value, "opaque");
                         })
                  .ok());
  // Overwrites in place: hash -> hash frees the old object, hash -> string frees it, and a
  // string grows back into a hash.
  ASSERT_TRUE(UpsertHash("h", {{"c", "3"}}).ok());
  EXPECT_EQ(GetHash("h"), (Fields{{"c", "3"}}));
  EXPECT_EQ(store_->Stats().objects, 1u);
  ASSERT_TRUE(Set(*session_, 0, "h", "now a string").ok());
  EXPECT_EQ(store_->Stats().objects, 0u);
  EXPECT_EQ(store_->Stats().object_bytes, 0u);
  EXPECT_EQ(testing::Get(*session_, 0, "h"), "now a string");
  ASSERT_TRUE(UpsertHash("h", {{"d", "4"}}).ok());
  EXPECT_EQ(GetHash("h"), (Fields{{"d", "4"}}));
  EXPECT_EQ(store_->KeyCount(0), 2u);
  // Storing an empty collection deletes the key.
  ASSERT_TRUE(UpsertHash("h", {}).ok());
  EXPECT_EQ(GetHash("h"), std::nullopt);
  EXPECT_EQ(store_->KeyCount(0), 1u);
  EXPECT_EQ(store_->Stats().objects, 0u);
}

TEST_F(ObjectStoreTest, RmwInPlaceCopyAndEmptied) {
  Open();
  HSet a("a", "1");
  ASSERT_TRUE(Rmw("h", a).ok());
  EXPECT_EQ(a.path, "initial");
  HSet b("b", "2");
  ASSERT_TRUE(Rmw("h", b).ok());
  EXPECT_EQ(b.path, "in_place");
  EXPECT_EQ(GetHash("h"), (Fields{{"a", "1"}, {"b", "2"}}));
  // The in-place growth is charged.
  EXPECT_EQ(store_->Stats().object_bytes, MakeHash({{"a", "1"}, {"b", "2"}})->MemoryUsage());

  // From the read-only region the update copies (on a clone); the old object stays with its
  // record until the page closes.
  ASSERT_TRUE(WaitFor([&] {
    PushOut(2);
    return TierOf("h") != Tier::kMutable;
  }));
  ASSERT_EQ(TierOf("h"), Tier::kReadOnly);
  HSet c("c", "3");
  ASSERT_TRUE(Rmw("h", c).ok());
  EXPECT_EQ(c.path, "copy");
  EXPECT_EQ(TierOf("h"), Tier::kMutable);
  EXPECT_EQ(GetHash("h"), (Fields{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_EQ(store_->Stats().objects, 2u);

  // Removing the last fields in place deletes the key and frees the object at once.
  for (const char* f : {"a", "b"}) {
    HDel d(f);
    ASSERT_TRUE(Rmw("h", d).ok());
    EXPECT_EQ(d.path, "in_place");
  }
  EXPECT_EQ(store_->KeyCount(0), 1u);
  HDel last("c");
  ASSERT_TRUE(Rmw("h", last).ok());
  EXPECT_EQ(GetHash("h"), std::nullopt);
  EXPECT_EQ(store_->KeyCount(0), 0u);
  EXPECT_EQ(store_->Stats().objects, 1u) << "only the superseded read-only copy is left";

  // Emptied through CopyUpdate (from the read-only region): the key is deleted too.
  ASSERT_TRUE(UpsertHash("g", {{"only", "x"}}).ok());
  ASSERT_TRUE(WaitFor([&] {
    PushOut(2);
    return TierOf("g") != Tier::kMutable;
  }));
  ASSERT_EQ(TierOf("g"), Tier::kReadOnly);
  HDel d("only");
  ASSERT_TRUE(Rmw("g", d).ok());
  EXPECT_EQ(d.path, "copy");
  EXPECT_EQ(GetHash("g"), std::nullopt);
  EXPECT_EQ(store_->KeyCount(0), 0u);
  // An InitialUpdate that would create an empty collection leaves the key absent.
  class MakeEmpty final : public RmwFunctions {
    Status InitialUpdate(RecordBuilder& out) override {
      out.type = ValueType::kHash;
      out.object = std::make_unique<HashObject>();
      return Status::Ok();
    }
    Status CopyUpdate(const RecordView&, RecordBuilder&) override { return Status::Ok(); }
  } empty;
  ASSERT_TRUE(Rmw("e", empty).ok());
  EXPECT_EQ(store_->KeyCount(0), 0u);

  // A string updater over a hash: the record becomes a string, the clone is dropped.
  ASSERT_TRUE(UpsertHash("s", {{"f", "v"}}).ok());
  ASSERT_TRUE(WaitFor([&] {
    PushOut(2);
    return TierOf("s") != Tier::kMutable;
  }));
  SetString set;
  ASSERT_TRUE(Rmw("s", set).ok());
  EXPECT_EQ(testing::Get(*session_, 0, "s"), "str");
}

TEST_F(ObjectStoreTest, EveryFreePathFreesOnce) {
  Open();
  // Delete in the mutable region frees at once.
  ASSERT_TRUE(UpsertTracked("t1", 3).ok());
  EXPECT_EQ(g_tracked_live.load(), 1);
  EXPECT_EQ(store_->Stats().object_bytes, sizeof(TrackedObject) + 300);
  EXPECT_TRUE(Del(*session_, 0, "t1").ok());
  EXPECT_EQ(g_tracked_live.load(), 0);
  EXPECT_EQ(store_->Stats().objects, 0u);
  EXPECT_EQ(store_->Stats().object_bytes, 0u);

  // Lazy expiry (a Read of an expired key deletes it in place).
  RecordBuilder rb;
  rb.type = ValueType::kSet;
  rb.expire_at_ms = now_ + 10;
  rb.object = std::make_unique<TrackedObject>(1);
  ASSERT_TRUE(session_->Upsert(0, "t2", rb).ok());
  EXPECT_EQ(store_->ExpiringKeyCount(0), 1u);
  now_ += 20;
  EXPECT_TRUE(session_->Read(0, "t2", [](const RecordView&) {}).IsNotFound());
  EXPECT_EQ(g_tracked_live.load(), 0);
  EXPECT_EQ(store_->KeyCount(0), 0u);

  // Active expiry.
  rb.expire_at_ms = now_ + 10;
  rb.object = std::make_unique<TrackedObject>(1);
  ASSERT_TRUE(session_->Upsert(0, "t3", rb).ok());
  now_ += 20;
  EXPECT_GE(store_->ActiveExpireCycle(1'000'000), 1u);
  EXPECT_EQ(g_tracked_live.load(), 0);

  // FlushDb frees the database's objects, in both regions, and leaves the others.
  ASSERT_TRUE(UpsertTracked("ro", 1, 2).ok());
  ASSERT_TRUE(WaitFor([&] {
    PushOut(2);
    return TierOf("ro", 2) != Tier::kMutable;
  }));
  ASSERT_TRUE(UpsertTracked("mut", 1, 2).ok());
  ASSERT_TRUE(UpsertTracked("other", 1, 3).ok());
  EXPECT_EQ(g_tracked_live.load(), 3);
  ASSERT_TRUE(store_->FlushDb(2).ok());
  EXPECT_EQ(store_->Stats().objects, 1u);
  EXPECT_EQ(store_->Stats().object_bytes, sizeof(TrackedObject) + 100);
  // The objects themselves go once no reader can hold them (the next epoch drain).
  ASSERT_TRUE(WaitFor([&] {
    session_->Protect();
    session_->Unprotect();
    return g_tracked_live.load() == 1;
  }));
  EXPECT_TRUE(session_->Read(2, "ro", [](const RecordView&) {}).IsNotFound());

  // SwapDb moves objects with their database.
  ASSERT_TRUE(store_->SwapDb(3, 4).ok());
  ASSERT_TRUE(session_
                  ->Read(4, "other",
                         [](const RecordView& r) {
                           ASSERT_NE(r.object, nullptr);
                           EXPECT_EQ(r.object->Length(), 1u);
                         })
                  .ok());
  EXPECT_EQ(store_->Stats().objects, 1u);

  // FlushAll frees everything.
  ASSERT_TRUE(UpsertTracked("a", 2, 0).ok());
  ASSERT_TRUE(store_->FlushAll().ok());
  EXPECT_EQ(store_->Stats().objects, 0u);
  EXPECT_EQ(store_->Stats().object_bytes, 0u);
  ASSERT_TRUE(WaitFor([&] {
    session_->Protect();
    session_->Unprotect();
    return g_tracked_live.load() == 0;
  }));

  // Objects still in memory when the store is destroyed are freed by it (TearDown checks).
  ASSERT_TRUE(UpsertTracked("left", 1).ok());
  ASSERT_TRUE(UpsertTracked("behind", 1, 5).ok());
  EXPECT_EQ(g_tracked_live.load(), 2);
}

TEST_F(ObjectStoreTest, SupersededObjectsAreFreedWhenTheirPageCloses) {
  Open();
  ASSERT_TRUE(UpsertTracked("t", 1).ok());
  ASSERT_TRUE(WaitFor([&] {
    PushOut(2);
    return TierOf("t") != Tier::kMutable;
  }));
  // Superseded from the read-only region: the old object stays until its page is closed.
  ASSERT_TRUE(UpsertTracked("t", 2).ok());
  EXPECT_EQ(g_tracked_live.load(), 2);
  EXPECT_EQ(store_->Stats().objects, 2u);
  // Deleting appends a tombstone and leaves the newest object with its (mutable) record... in
  // place here, so it goes at once.
  EXPECT_TRUE(Del(*session_, 0, "t").ok());
  EXPECT_EQ(g_tracked_live.load(), 1);
  // Writing enough to evict every page closes the old one.
  ASSERT_TRUE(WaitFor([&] {
    PushOut(4);
    return g_tracked_live.load() == 0;
  }));
  EXPECT_EQ(store_->Stats().objects, 0u);
  EXPECT_EQ(store_->Stats().object_bytes, 0u);
}

TEST_F(ObjectStoreTest, ScanAndRandomKeySeeObjects) {
  Open();
  ASSERT_TRUE(UpsertHash("h1", {{"a", "1"}}).ok());
  ASSERT_TRUE(UpsertHash("h2", {{"b", "2"}, {"c", "3"}}).ok());
  ASSERT_TRUE(Set(*session_, 0, "s", "string").ok());
  std::map<std::string, size_t> seen;
  uint64_t cursor = 0;
  do {
    cursor = session_->Scan(0, cursor, 10, [&](std::string_view key, const RecordView& r) {
      seen[std::string(key)] = r.object != nullptr ? r.object->Length() : 0;
      EXPECT_EQ(r.object != nullptr, r.type == ValueType::kHash);
    });
  } while (cursor != 0);
  EXPECT_EQ(seen, (std::map<std::string, size_t>{{"h1", 1}, {"h2", 2}, {"s", 0}}));
  auto key = session_->RandomKey(0);
  ASSERT_TRUE(key);
  EXPECT_TRUE(seen.count(*key));
}

TEST_F(ObjectStoreTest, ObjectsGoToDiskAndComeBack) {
  Open();
  ASSERT_TRUE(UpsertHash("h", {{"a", "1"}, {"b", "2"}}).ok());
  HSet grow("big", std::string(300, 'x'));
  ASSERT_TRUE(Rmw("h", grow).ok());
  ASSERT_TRUE(UpsertHash("gone", {{"z", "9"}}).ok());
  ASSERT_TRUE(Del(*session_, 0, "gone").ok());
  ASSERT_TRUE(WaitFor([&] {
    PushOut(4);
    return TierOf("h") == Tier::kDisk;
  }));
  // Evicted: the object left memory with its page; its bytes are in the object log.
  EXPECT_EQ(store_->Stats().objects, 0u);
  EXPECT_TRUE(session_->Read(0, "h", [](const RecordView&) {}).IsPending());

  // Scan rebuilds a temporary object for the disk record.
  std::optional<Fields> scanned;
  uint64_t cursor = 0;
  do {
    cursor = session_->Scan(0, cursor, 100, [&](std::string_view key, const RecordView& r) {
      if (key == "h") {
        EXPECT_EQ(r.tier, Tier::kDisk);
        ASSERT_NE(r.object, nullptr);
        scanned = FieldsOf(*r.object);
      }
    });
  } while (cursor != 0);
  const Fields want{{"a", "1"}, {"b", "2"}, {"big", std::string(300, 'x')}};
  EXPECT_EQ(scanned, want);
  EXPECT_EQ(store_->Stats().objects, 0u) << "the scan's object was temporary";

  // A pending read copies it to the tail as a fresh object record.
  Tier tier = Tier::kMutable;
  EXPECT_EQ(GetHash("h", 0, &tier), want);
  EXPECT_EQ(tier, Tier::kDisk);
  EXPECT_EQ(TierOf("h"), Tier::kMutable);
  EXPECT_EQ(store_->Stats().objects, 1u);
  EXPECT_EQ(GetHash("gone"), std::nullopt);
  // And updates in place from there.
  HSet c("c", "3");
  ASSERT_TRUE(Rmw("h", c).ok());
  EXPECT_EQ(c.path, "in_place");

  // An RMW of a record on disk goes pending, then copies.
  ASSERT_TRUE(WaitFor([&] {
    PushOut(4);
    return TierOf("h") == Tier::kDisk;
  }));
  HSet d("d", "4");
  EXPECT_TRUE(session_->Rmw(0, "h", d).IsPending());
  ASSERT_TRUE(Rmw("h", d).ok());
  Fields all = want;
  all["c"] = "3";
  all["d"] = "4";
  EXPECT_EQ(GetHash("h"), all);
  EXPECT_EQ(store_->KeyCount(0), 1u);
  EXPECT_GT(store_->Stats().bytes_disk, 0u);
}

TEST_F(ObjectStoreTest, CorruptObjectLogIsReportedNeverServed) {
  Open();
  ASSERT_TRUE(UpsertHash("h", {{"field", "value"}}).ok());
  ASSERT_TRUE(WaitFor([&] {
    PushOut(4);
    return TierOf("h") == Tier::kDisk;
  }));
  // The object bytes of segment 0 start at offset 0 of its object log.
  ASSERT_TRUE(dev_->FlipBitForTest(hlog::kObjectLogSegmentBase + 0, 8).ok());
  Status st;
  std::optional<Fields> got;
  st = Resolve(*session_, 0, "h", [&] {
    return session_->Read(0, "h", [&](const RecordView& r) { got = FieldsOf(*r.object); });
  });
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  EXPECT_EQ(got, std::nullopt);
  EXPECT_GE(store_->Stats().corrupt_records, 1u);
  EXPECT_EQ(GetHash("h"), std::nullopt);
  // The key can be written again.
  ASSERT_TRUE(UpsertHash("h", {{"new", "1"}}).ok());
  EXPECT_EQ(GetHash("h"), (Fields{{"new", "1"}}));
}

TEST_F(ObjectStoreTest, CompactionRematerialisesCollections) {
  Open();
  // A few long-lived hashes, then many overwrites of other keys so compaction runs.
  std::map<std::string, Fields> model;
  for (int i = 0; i < 20; ++i) {
    std::string key = "keep" + std::to_string(i);
    model[key] = {{"i", std::to_string(i)}, {"pad", std::string(50 + i, 'p')}};
    ASSERT_TRUE(UpsertHash(key, model[key]).ok());
  }
  // Enough keys that each is read-only (so superseded by a copy) when it is rewritten.
  for (int round = 0; round < 15; ++round) {
    for (int i = 0; i < 400; ++i) {
      std::string key = "churn" + std::to_string(i);
      model[key] = {{"round", std::to_string(round)}};
      ASSERT_TRUE(UpsertHash(key, model[key]).ok());
    }
  }
  ASSERT_TRUE(WaitFor([&] { return store_->Stats().compactions >= 2; }));
  for (const auto& [key, fields] : model) EXPECT_EQ(GetHash(key), fields) << key;
  EXPECT_EQ(store_->KeyCount(0), model.size());
  // The object logs of compacted segments were deleted with them.
  auto* mem = static_cast<io::MemDevice*>(&dev_->inner());
  char byte;
  ASSERT_TRUE(
      WaitFor([&] { return !mem->Read(hlog::kObjectLogSegmentBase + 0, 0, &byte, 1).ok(); }));
}

TEST_F(ObjectStoreTest, LargerThanMemoryCollections) {
  Open(/*memory_pages=*/16);
  const StoreStats s0 = store_->Stats();
  // Thousands of collections whose objects alone are many times max_memory.
  const int n = 3000;
  auto fields = [](int i) {
    Fields f;
    for (int j = 0; j < 16; ++j) {
      f["f" + std::to_string(j)] = std::to_string(i) + std::string(60, 'v');
    }
    return f;
  };
  uint64_t max_used = 0, total = 0;
  for (int i = 0; i < n; ++i) {
    total += MakeHash(fields(i))->MemoryUsage();
    ASSERT_TRUE(UpsertHash("h" + std::to_string(i), fields(i)).ok()) << i;
    max_used = std::max(max_used, store_->Stats().memory_used);
  }
  EXPECT_GT(total, 5 * s0.max_memory);
  // Objects are charged in memory_used, and the budget holds them back: at most one page's worth
  // of collections beyond it (the tail page cannot be evicted).
  EXPECT_LT(max_used, s0.max_memory + 4096 / 64 * MakeHash(fields(0))->MemoryUsage());
  EXPECT_EQ(store_->KeyCount(0), static_cast<uint64_t>(n));
  for (int i = 0; i < n; i += 7) {
    ASSERT_EQ(GetHash("h" + std::to_string(i)), fields(i)) << i;
  }
  // Updates of disk-resident collections through Rmw.
  for (int i = 0; i < n; i += 97) {
    HSet up("extra", "1");
    ASSERT_TRUE(Rmw("h" + std::to_string(i), up).ok());
    Fields want = fields(i);
    want["extra"] = "1";
    EXPECT_EQ(GetHash("h" + std::to_string(i)), want);
  }
}

TEST_F(ObjectStoreTest, NoSpaceFailsCollectionWritesButReadsWork) {
  Open();
  ASSERT_TRUE(UpsertHash("old", {{"on", "disk"}}).ok());
  ASSERT_TRUE(WaitFor([&] {
    PushOut(4);
    return TierOf("old") == Tier::kDisk;
  }));
  ASSERT_TRUE(UpsertHash("hot", {{"in", "memory"}}).ok());
  dev_->set_no_space(true);
  // Collections fill memory; once flushing cannot make room, writes fail as strings do, with
  // the builder still owning its object.
  Status st;
  int written = 0;
  for (; written < 3000; ++written) {
    RecordBuilder rb;
    rb.type = ValueType::kHash;
    rb.object = MakeHash({{"f", std::string(200, 'x')}});
    std::string key = "full" + std::to_string(written);
    st = Resolve(*session_, 1, key, [&] { return session_->Upsert(1, key, rb); });
    if (!st.ok()) {
      EXPECT_NE(rb.object, nullptr);
      break;
    }
  }
  EXPECT_EQ(st.code(), StatusCode::kNoSpace) << st.ToString();
  EXPECT_TRUE(store_->Stats().write_blocked);
  EXPECT_EQ(GetHash("hot"), (Fields{{"in", "memory"}}));
  EXPECT_EQ(GetHash("old"), (Fields{{"on", "disk"}})) << "disk reads still work";
  dev_->set_no_space(false);
  ASSERT_TRUE(WaitFor([&] { return UpsertHash("after", {{"space", "1"}}).ok(); }));
  for (int i = 0; i < written; ++i) {
    EXPECT_EQ(GetHash("full" + std::to_string(i), 1), (Fields{{"f", std::string(200, 'x')}})) << i;
  }
}

TEST_F(ObjectStoreTest, ObjectsBeyondTheBudgetAnswerOutOfMemory) {
  Open();
  const uint64_t budget = store_->Stats().max_memory;
  // One collection larger than the whole budget is stored (nothing else can be evicted to make
  // room for it, and it was under budget before)...
  ASSERT_TRUE(UpsertTracked("huge", budget / 100 + 1).ok());
  EXPECT_GT(store_->Stats().memory_used, budget);
  // ...but while it sits in the unevictable tail page, a new collection waits for room that
  // never comes and gets OutOfMemory; strings still work.
  RecordBuilder rb;
  rb.type = ValueType::kSet;
  rb.object = std::make_unique<TrackedObject>(1);
  EXPECT_EQ(session_->Upsert(0, "more", rb).code(), StatusCode::kOutOfMemory);
  EXPECT_NE(rb.object, nullptr);
  ASSERT_TRUE(Set(*session_, 0, "string", "fine").ok());
  // Deleting the big one frees it at once, and collections can be written again.
  ASSERT_TRUE(Del(*session_, 0, "huge").ok());
  EXPECT_LE(store_->Stats().memory_used, budget);
  ASSERT_TRUE(session_->Upsert(0, "more", rb).ok());
}

}  // namespace
}  // namespace ferrite::storage
