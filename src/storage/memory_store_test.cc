// MemoryStore (the test double) with collection records: ownership, clone on copy-update,
// emptied collections, accounting.

#include "storage/memory_store.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "storage/objects/hash_object.h"

namespace ferrite::storage {
namespace {

std::unique_ptr<HashObject> Hash(std::initializer_list<std::pair<const char*, const char*>> kv) {
  auto h = std::make_unique<HashObject>();
  for (auto [f, v] : kv) h->table().Set(f, v);
  return h;
}

class HDel final : public RmwFunctions {
 public:
  explicit HDel(std::string f) : field(std::move(f)) {}
  const StoredObject* seen = nullptr;
  Status InitialUpdate(RecordBuilder&) override { return Status::NotFound(); }
  Status CopyUpdate(const RecordView& old, RecordBuilder& out) override {
    seen = old.object;
    EXPECT_NE(out.object.get(), old.object);
    static_cast<HashObject*>(out.object.get())->table().Erase(field);
    return Status::Ok();
  }
  std::string field;
};

TEST(MemoryStoreTest, CollectionsAreOwnedClonedAndFreed) {
  auto store = NewMemoryStore(4, [] { return int64_t{1000}; });
  auto s = store->NewSession();
  RecordBuilder rb;
  rb.type = ValueType::kHash;
  rb.object = Hash({{"a", "1"}, {"b", "2"}});
  const size_t usage = rb.object->MemoryUsage();
  ASSERT_TRUE(s->Upsert(0, "h", rb).ok());
  EXPECT_EQ(rb.object, nullptr);
  EXPECT_EQ(store->Stats().objects, 1u);
  EXPECT_EQ(store->Stats().object_bytes, usage);
  size_t len = 0;
  ASSERT_TRUE(s->Read(0, "h", [&](const RecordView& r) {
                 ASSERT_NE(r.object, nullptr);
                 EXPECT_TRUE(r.value.empty());
                 len = r.object->Length();
               }).ok());
  EXPECT_EQ(len, 2u);

  HDel del_a("a");
  ASSERT_TRUE(s->Rmw(0, "h", del_a).ok());
  EXPECT_NE(del_a.seen, nullptr);
  ASSERT_TRUE(s->Read(0, "h", [&](const RecordView& r) { len = r.object->Length(); }).ok());
  EXPECT_EQ(len, 1u);
  EXPECT_EQ(store->Stats().objects, 1u);
  HDel del_b("b");
  ASSERT_TRUE(s->Rmw(0, "h", del_b).ok());
  EXPECT_TRUE(s->Read(0, "h", [](const RecordView&) {}).IsNotFound());
  EXPECT_EQ(store->KeyCount(0), 0u);
  EXPECT_EQ(store->Stats().objects, 0u);
  EXPECT_EQ(store->Stats().object_bytes, 0u);

  // Mismatched types are refused; a string overwrites a hash and releases its charge.
  rb.type = ValueType::kSet;
  rb.object = Hash({{"x", "y"}});
  EXPECT_EQ(s->Upsert(0, "bad", rb).code(), StatusCode::kInvalidArgument);
  rb.type = ValueType::kHash;
  ASSERT_TRUE(s->Upsert(1, "k", rb).ok());
  RecordBuilder str;
  str.value = "v";
  ASSERT_TRUE(s->Upsert(1, "k", str).ok());
  EXPECT_EQ(store->Stats().objects, 0u);
  rb.object = Hash({{"x", "y"}});
  ASSERT_TRUE(s->Upsert(2, "k", rb).ok());
  ASSERT_TRUE(store->FlushDb(2).ok());
  EXPECT_EQ(store->Stats().objects, 0u);
  EXPECT_EQ(store->Stats().object_bytes, 0u);
}

// The SCAN promise under churn: keys present for the whole scan are all returned, however other
// keys come and go (and shards rehash) between the calls.
TEST(MemoryStoreTest, ScanReturnsEveryKeyPresentForTheWholeScan) {
  auto store = NewMemoryStore(1);
  auto session = store->NewSession();
  RecordBuilder value;
  value.value = "v";
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(session->Upsert(0, "stable" + std::to_string(i), value).ok());
    ASSERT_TRUE(session->Upsert(0, "churn" + std::to_string(i), value).ok());
  }
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int round = 0;
  do {
    cursor = session->Scan(0, cursor, 10,
                           [&](std::string_view key, const RecordView&) { seen.emplace(key); });
    for (int j = 0; j < 20; ++j) {
      (void)session->Delete(0, "churn" + std::to_string(round * 20 + j));
      ASSERT_TRUE(session->Upsert(0, "new" + std::to_string(round * 20 + j), value).ok());
    }
    ++round;
  } while (cursor != 0 && round < 100000);
  ASSERT_EQ(cursor, 0u);
  for (int i = 0; i < 2000; ++i) EXPECT_EQ(seen.count("stable" + std::to_string(i)), 1u) << i;
}

}  // namespace
}  // namespace ferrite::storage
