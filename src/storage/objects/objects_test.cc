#include <gtest/gtest.h>

#include <set>
#include <string>

#include "storage/objects/dense_table.h"
#include "storage/objects/hash_object.h"
#include "storage/objects/list_object.h"
#include "storage/objects/set_object.h"
#include "storage/objects/zset_object.h"
#include "storage/store.h"

namespace ferrite::storage {
namespace {

TEST(DenseTableTest, SetFindEraseKeepTheIndexConsistent) {
  DenseTable<std::string> t;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(t.Set("k" + std::to_string(i), std::to_string(i)));
  EXPECT_FALSE(t.Set("k5", "five"));
  EXPECT_EQ(*t.Find("k5"), "five");
  for (int i = 0; i < 1000; i += 2) EXPECT_TRUE(t.Erase("k" + std::to_string(i)));
  EXPECT_FALSE(t.Erase("k0"));
  EXPECT_EQ(t.size(), 500u);
  for (int i = 1; i < 1000; i += 2) {
    ASSERT_NE(t.Find("k" + std::to_string(i)), nullptr) << i;
    if (i != 5) {
      EXPECT_EQ(*t.Find("k" + std::to_string(i)), std::to_string(i));
    }
  }
  EXPECT_EQ(t.Find("k2"), nullptr);
}

TEST(DenseTableTest, MemoryUsageReturnsToBaselineAfterErasingLongStrings) {
  DenseTable<std::string> t;
  t.Reserve(64);
  size_t base = t.MemoryUsage();
  std::string long_value(1000, 'x');
  for (int i = 0; i < 50; ++i)
    t.Set(std::string(100, static_cast<char>('a' + i % 26)) + std::to_string(i), long_value);
  EXPECT_GT(t.MemoryUsage(), base + 50 * 1000);
  for (int i = 0; i < 50; ++i) {
    t.Erase(std::string(100, static_cast<char>('a' + i % 26)) + std::to_string(i));
  }
  EXPECT_EQ(t.MemoryUsage(), base);
}

// Elements present for the whole scan are returned at least once, even when other elements are
// erased and added between the calls (the SCAN guarantee).
TEST(DenseTableTest, ScanReturnsEveryStableElementDespiteConcurrentChanges) {
  DenseTable<NoValue> t;
  for (int i = 0; i < 500; ++i) t.Set("stable" + std::to_string(i), {});
  for (int i = 0; i < 500; ++i) t.Set("churn" + std::to_string(i), {});
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int round = 0;
  do {
    cursor = t.Scan(cursor, 7, [&](const auto& e) { seen.insert(e.key); });
    // Erase churn elements (moving the tail into holes) and add new ones.
    for (int j = 0; j < 5; ++j) t.Erase("churn" + std::to_string(round * 5 + j));
    t.Set("new" + std::to_string(round), {});
    ++round;
  } while (cursor != 0 && round < 10000);
  ASSERT_EQ(cursor, 0u);
  for (int i = 0; i < 500; ++i) EXPECT_TRUE(seen.count("stable" + std::to_string(i))) << i;
}

template <typename T>
std::unique_ptr<T> RoundTrip(const T& obj) {
  std::string bytes;
  obj.Serialize(&bytes);
  auto back = DeserializeObject(obj.type(), bytes);
  EXPECT_TRUE(back.has_value()) << back.error().ToString();
  return std::unique_ptr<T>(static_cast<T*>(std::move(back).value().release()));
}

TEST(ObjectCodecTest, EveryTypeRoundTripsAndClonesEqual) {
  HashObject h;
  h.table().Set("f1", "v1");
  h.table().Set(std::string(40, 'f'), std::string(70, 'v'));
  auto h2 = RoundTrip(h);
  EXPECT_EQ(h2->Length(), 2u);
  EXPECT_EQ(*h2->table().Find(std::string(40, 'f')), std::string(70, 'v'));
  EXPECT_EQ(h2->MemoryUsage(), static_cast<HashObject*>(h.Clone().get())->MemoryUsage());

  SetObject s;
  for (int i = 0; i < 100; ++i) s.table().Set(std::to_string(i), {});
  EXPECT_EQ(RoundTrip(s)->Length(), 100u);

  ListObject l;
  l.PushBack("b");
  l.PushFront("a");
  l.PushBack("c");
  l.Insert(1, "ab");
  auto l2 = RoundTrip(l);
  ASSERT_EQ(l2->size(), 4u);
  EXPECT_EQ(l2->At(0), "a");
  EXPECT_EQ(l2->At(1), "ab");
  EXPECT_EQ(l2->At(3), "c");

  ZSetObject z;
  z.Add("x", 3);
  z.Add("y", 1);
  z.Add("z", 2);
  z.Add("x", 0.5);
  auto z2 = RoundTrip(z);
  ASSERT_EQ(z2->size(), 3u);
  EXPECT_EQ(z2->ByRank(0).second, "x");
  EXPECT_EQ(z2->ByRank(2).second, "z");
  EXPECT_EQ(z2->Rank("z", 2), 2u);
  EXPECT_EQ(*z2->Score("x"), 0.5);
}

TEST(ObjectCodecTest, CorruptBytesAreRejectedNotMisread) {
  HashObject h;
  h.table().Set("field", "value");
  std::string bytes;
  h.Serialize(&bytes);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(DeserializeObject(ValueType::kHash, bytes.substr(0, cut)).has_value()) << cut;
  }
  std::string bad_version = bytes;
  bad_version[0] = 9;
  EXPECT_FALSE(DeserializeObject(ValueType::kHash, bad_version).has_value());
  EXPECT_FALSE(DeserializeObject(ValueType::kString, bytes).has_value());
  EXPECT_FALSE(DeserializeObject(ValueType::kHash, bytes + "x").has_value());
}

TEST(ZSetObjectTest, OrderIsScoreThenMemberAndMemoryIsReleased) {
  ZSetObject z;
  size_t empty = z.MemoryUsage();
  z.Add("b", 1);
  z.Add("a", 1);
  z.Add(std::string(64, 'c'), 0);
  EXPECT_EQ(z.ByRank(0).second, std::string(64, 'c'));
  EXPECT_EQ(z.ByRank(1).second, "a");
  EXPECT_EQ(z.ByRank(2).second, "b");
  EXPECT_TRUE(z.Erase(std::string(64, 'c')));
  EXPECT_TRUE(z.Erase("a"));
  EXPECT_TRUE(z.Erase("b"));
  EXPECT_FALSE(z.Erase("b"));
  EXPECT_EQ(z.size(), 0u);
  EXPECT_LE(z.MemoryUsage(), empty + 64 * (sizeof(double) + sizeof(std::string) + 8));
}

}  // namespace
}  // namespace ferrite::storage
