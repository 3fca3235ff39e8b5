#include "commands/digest.h"

#include <gtest/gtest.h>

#include <memory>

#include "storage/objects/hash_object.h"
#include "storage/objects/list_object.h"
#include "storage/objects/set_object.h"
#include "storage/objects/zset_object.h"

namespace ferrite::commands {
namespace {

storage::RecordView StringRecord(std::string_view value, int64_t expire = storage::kNoExpiry) {
  storage::RecordView r;
  r.type = storage::ValueType::kString;
  r.value = value;
  r.expire_at_ms = expire;
  return r;
}

storage::RecordView ObjectRecord(const storage::StoredObject& object) {
  storage::RecordView r;
  r.type = object.type();
  r.object = &object;
  return r;
}

TEST(DigestTest, SetsAndHashesIgnoreInsertionOrder) {
  storage::SetObject a, b;
  for (int i = 0; i < 50; ++i) a.table().Set(std::to_string(i), {});
  for (int i = 49; i >= 0; --i) b.table().Set(std::to_string(i), {});
  EXPECT_EQ(ValueDigest(ObjectRecord(a)), ValueDigest(ObjectRecord(b)));
  b.table().Set("extra", {});
  EXPECT_NE(ValueDigest(ObjectRecord(a)), ValueDigest(ObjectRecord(b)));

  storage::HashObject h1, h2;
  h1.table().Set("x", "1");
  h1.table().Set("y", "2");
  h2.table().Set("y", "2");
  h2.table().Set("x", "1");
  EXPECT_EQ(ValueDigest(ObjectRecord(h1)), ValueDigest(ObjectRecord(h2)));
  h2.table().Set("x", "changed");
  EXPECT_NE(ValueDigest(ObjectRecord(h1)), ValueDigest(ObjectRecord(h2)));
  // A field and its value are bound together: swapping values between fields changes it.
  storage::HashObject h3;
  h3.table().Set("x", "2");
  h3.table().Set("y", "1");
  EXPECT_NE(ValueDigest(ObjectRecord(h1)), ValueDigest(ObjectRecord(h3)));
}

TEST(DigestTest, ListsAreOrderedAndScoresCount) {
  storage::ListObject l1, l2;
  l1.PushBack("a");
  l1.PushBack("b");
  l2.PushBack("b");
  l2.PushBack("a");
  EXPECT_NE(ValueDigest(ObjectRecord(l1)), ValueDigest(ObjectRecord(l2)));
  storage::ZSetObject z1, z2;
  z1.Add("m", 1.0);
  z2.Add("m", 2.0);
  EXPECT_NE(ValueDigest(ObjectRecord(z1)), ValueDigest(ObjectRecord(z2)));
  z2.Add("m", 1.0);
  EXPECT_EQ(ValueDigest(ObjectRecord(z1)), ValueDigest(ObjectRecord(z2)));
}

TEST(DigestTest, TypeExpiryKeyAndDatabaseCount) {
  EXPECT_NE(ValueDigest(StringRecord("v")), ValueDigest(StringRecord("v", 12345)));
  // Only whether there is an expiry counts (the time moves on; Redis does the same).
  EXPECT_EQ(ValueDigest(StringRecord("v", 1)), ValueDigest(StringRecord("v", 2)));
  storage::ListObject list;
  list.PushBack("v");
  EXPECT_NE(ValueDigest(StringRecord("v")), ValueDigest(ObjectRecord(list)));
  EXPECT_NE(KeyDigest("k1", StringRecord("v")), KeyDigest("k2", StringRecord("v")));

  Digest one{}, two{};
  XorInto(&one, KeyDigest("a", StringRecord("1")));
  XorInto(&one, KeyDigest("b", StringRecord("2")));
  XorInto(&two, KeyDigest("b", StringRecord("2")));
  XorInto(&two, KeyDigest("a", StringRecord("1")));
  EXPECT_EQ(one, two);
  Digest db0{}, db1{};
  MixDatabase(&db0, 0);
  MixDatabase(&db1, 1);
  EXPECT_NE(db0, db1);
  EXPECT_EQ(DigestHex(Digest{}), std::string(40, '0'));
  EXPECT_EQ(DigestHex(one).size(), 40u);
}

}  // namespace
}  // namespace ferrite::commands
