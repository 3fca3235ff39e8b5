#include "server/registry/json_reader.h"

#include <gtest/gtest.h>

namespace ferrite::server::registry {
namespace {

TEST(JsonReaderTest, ParsesNestedValuesInOrder) {
  Result<JsonValue> v = ParseJson(R"( {"b":[1,-2,"x"],"a":{"t":true,"f":false,"n":null}} )");
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  ASSERT_TRUE(v->is_object());
  ASSERT_EQ(v->object.size(), 2u);
  EXPECT_EQ(v->object[0].first, "b");  // member order is kept
  const JsonValue* b = v->Find("b");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->array.size(), 3u);
  EXPECT_EQ(b->array[1].integer, -2);
  EXPECT_EQ(b->array[2].string, "x");
  const JsonValue* a = v->Find("a");
  EXPECT_TRUE(a->Find("t")->boolean);
  EXPECT_FALSE(a->Find("f")->boolean);
  EXPECT_EQ(a->Find("n")->type, JsonValue::Type::kNull);
  EXPECT_EQ(v->Find("missing"), nullptr);
}

TEST(JsonReaderTest, DecodesEscapes) {
  Result<JsonValue> v = ParseJson(R"("q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00")");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->string, "q\"b\\s/n\nt\tu\xc3\xa9\xf0\x9f\x98\x80");
  // Raw UTF-8 passes through untouched.
  EXPECT_EQ(ParseJson("\"\xe2\x80\x94\"")->string, "\xe2\x80\x94");
}

TEST(JsonReaderTest, RejectsMalformedInput) {
  for (std::string_view bad : {"", "{", "[1,]", "{\"a\" 1}", "\"abc", "1.5", "tru", "[1] x",
                               "\"\\q\"", "\"\\ud83d\"", "{\"a\":1,}"}) {
    Result<JsonValue> v = ParseJson(bad);
    EXPECT_FALSE(v.has_value()) << bad;
    if (!v.has_value()) {
      EXPECT_EQ(v.error().code(), StatusCode::kCorruption);
    }
  }
}

TEST(JsonReaderTest, BoundsNesting) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_FALSE(ParseJson(deep).has_value());
  std::string ok(30, '[');
  ok += std::string(30, ']');
  EXPECT_TRUE(ParseJson(ok).has_value());
}

}  // namespace
}  // namespace ferrite::server::registry
