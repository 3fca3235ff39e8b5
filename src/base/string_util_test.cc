#include "base/string_util.h"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>

namespace ferrite {
namespace {

TEST(String2llTest, AcceptsCanonicalIntegers) {
  int64_t v = 7;
  EXPECT_TRUE(String2ll("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(String2ll("1", &v));
  EXPECT_EQ(v, 1);
  EXPECT_TRUE(String2ll("-1", &v));
  EXPECT_EQ(v, -1);
  EXPECT_TRUE(String2ll("99", &v));
  EXPECT_EQ(v, 99);
  EXPECT_TRUE(String2ll("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(String2ll("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_TRUE(String2ll("123", nullptr));
}

TEST(String2llTest, RejectsWhatRedisRejects) {
  int64_t v = 0;
  for (const char* bad :
       {"", "-", "+1", " 1", "1 ", "01", "-0", "00", "1a", "0x10", "1.0", "9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "99999999999999999999"}) {
    EXPECT_FALSE(String2ll(bad, &v)) << bad;
  }
  // Embedded NUL: the length, not the terminator, bounds the parse.
  EXPECT_FALSE(String2ll(std::string_view("1\0", 2), &v));
}

TEST(String2ullTest, FollowsRedis) {
  uint64_t v = 0;
  EXPECT_TRUE(String2ull("18446744073709551615", &v));
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_TRUE(String2ull("42", &v));
  EXPECT_EQ(v, 42u);
  EXPECT_FALSE(String2ull("-1", &v));
  EXPECT_FALSE(String2ull("18446744073709551616", &v));
  EXPECT_FALSE(String2ull("12x", &v));
  EXPECT_FALSE(String2ull("", &v));
  // Redis falls back to strtoull, which skips leading spaces and accepts '+'.
  EXPECT_TRUE(String2ull(" 5", &v));
  EXPECT_EQ(v, 5u);
  EXPECT_TRUE(String2ull("+7", &v));
  EXPECT_EQ(v, 7u);
}

TEST(String2ldTest, ParsesLikeIncrByFloat) {
  long double v = 0;
  EXPECT_TRUE(String2ld("10.5", &v));
  EXPECT_EQ(v, 10.5L);
  EXPECT_TRUE(String2ld("-3", &v));
  EXPECT_EQ(v, -3.0L);
  EXPECT_TRUE(String2ld("5.0e3", &v));
  EXPECT_EQ(v, 5000.0L);
  EXPECT_TRUE(String2ld("+1.5", &v));
  EXPECT_EQ(v, 1.5L);
  EXPECT_TRUE(String2ld("inf", &v));
  EXPECT_TRUE(std::isinf(v));
  for (const char* bad : {"", " 1", "1 ", "abc", "1.5x", "nan", "1e999999", "1e-999999"}) {
    EXPECT_FALSE(String2ld(bad, &v)) << bad;
  }
  EXPECT_FALSE(String2ld(std::string(kMaxLongDoubleChars, '1'), &v));
}

TEST(String2dTest, ParsesScores) {
  double v = 0;
  EXPECT_TRUE(String2d("1.5", &v));
  EXPECT_EQ(v, 1.5);
  EXPECT_TRUE(String2d("-inf", &v));
  EXPECT_TRUE(std::isinf(v) && v < 0);
  for (const char* bad : {"", "\t1", "1 ", "nan", "1e400", "x"}) {
    EXPECT_FALSE(String2d(bad, &v)) << bad;
  }
}

TEST(Ll2StringTest, FormatsAndChecksRoom) {
  EXPECT_EQ(Ll2String(0), "0");
  EXPECT_EQ(Ll2String(-1), "-1");
  EXPECT_EQ(Ll2String(1234567890123), "1234567890123");
  EXPECT_EQ(Ll2String(INT64_MAX), "9223372036854775807");
  EXPECT_EQ(Ll2String(INT64_MIN), "-9223372036854775808");
  char buf[3];
  EXPECT_EQ(Ll2String(buf, sizeof(buf), 99), 2u);
  EXPECT_STREQ(buf, "99");
  EXPECT_EQ(Ll2String(buf, sizeof(buf), 100), 0u);
  EXPECT_EQ(Ll2String(buf, sizeof(buf), -10), 0u);
  char ubuf[kLongStrSize];
  EXPECT_EQ(Ull2String(ubuf, sizeof(ubuf), UINT64_MAX), 20u);
  EXPECT_STREQ(ubuf, "18446744073709551615");
  EXPECT_EQ(Digits10(0), 1u);
  EXPECT_EQ(Digits10(9), 1u);
  EXPECT_EQ(Digits10(10), 2u);
  EXPECT_EQ(Digits10(UINT64_MAX), 20u);
}

TEST(Ld2StringTest, HumanModeMatchesIncrByFloat) {
  // Values from Redis's unit/type/incr.tcl.
  EXPECT_EQ(Ld2String(10.5L, LdMode::kHuman), "10.5");
  EXPECT_EQ(Ld2String(3.0L, LdMode::kHuman), "3");
  EXPECT_EQ(Ld2String(-0.0L, LdMode::kHuman), "0");
  EXPECT_EQ(Ld2String(10.5L + 0.1L, LdMode::kHuman), "10.6");
  EXPECT_EQ(Ld2String(5000.0L, LdMode::kHuman), "5000");
  EXPECT_EQ(Ld2String(1.0e20L, LdMode::kHuman), "100000000000000000000");
  EXPECT_EQ(Ld2String(-1.25L, LdMode::kHuman), "-1.25");
  EXPECT_EQ(Ld2String(HUGE_VALL, LdMode::kHuman), "inf");
  EXPECT_EQ(Ld2String(-HUGE_VALL, LdMode::kHuman), "-inf");
  long double parsed;
  ASSERT_TRUE(String2ld("17179869184", &parsed));
  EXPECT_EQ(Ld2String(parsed + 1.5L, LdMode::kHuman), "17179869185.5");
}

TEST(Ld2StringTest, AutoAndHexModes) {
  EXPECT_EQ(Ld2String(0.5L, LdMode::kAuto), "0.5");
  EXPECT_EQ(Ld2String(1.0L / 3, LdMode::kAuto), "0.33333333333333333");
  EXPECT_EQ(Ld2String(1e30L, LdMode::kAuto), "1e+30");
  EXPECT_EQ(Ld2String(1.0L, LdMode::kHex), "0x8p-3");
  char small[4];
  EXPECT_EQ(Ld2String(small, sizeof(small), 12345.0L, LdMode::kHuman), 0u);
}

TEST(D2StringTest, FormatsScores) {
  char buf[64];
  D2String(buf, sizeof(buf), 1.5);
  EXPECT_STREQ(buf, "1.5");
  D2String(buf, sizeof(buf), 3.0);
  EXPECT_STREQ(buf, "3");
  D2String(buf, sizeof(buf), -0.0);
  EXPECT_STREQ(buf, "-0");
  D2String(buf, sizeof(buf), HUGE_VAL);
  EXPECT_STREQ(buf, "inf");
  D2String(buf, sizeof(buf), std::nan(""));
  EXPECT_STREQ(buf, "nan");
  D2String(buf, sizeof(buf), 0.1);
  EXPECT_STREQ(buf, "0.10000000000000001");
  int64_t ll;
  EXPECT_TRUE(Double2ll(42.0, &ll));
  EXPECT_EQ(ll, 42);
  EXPECT_FALSE(Double2ll(42.5, &ll));
  EXPECT_FALSE(Double2ll(1e300, &ll));
  EXPECT_FALSE(Double2ll(std::nan(""), &ll));
}

TEST(StringMatchTest, Basics) {
  // As in Redis, a pattern never matches the empty string (KEYS special-cases "*").
  EXPECT_FALSE(StringMatch("*", ""));
  EXPECT_TRUE(StringMatch("*", "anything"));
  EXPECT_TRUE(StringMatch("h?llo", "hello"));
  EXPECT_FALSE(StringMatch("h?llo", "hllo"));
  EXPECT_TRUE(StringMatch("h*llo", "heeeello"));
  EXPECT_TRUE(StringMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(StringMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(StringMatch("h[^e]llo", "hallo"));
  EXPECT_FALSE(StringMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(StringMatch("h[a-b]llo", "hbllo"));
  EXPECT_FALSE(StringMatch("h[a-b]llo", "hcllo"));
  EXPECT_TRUE(StringMatch("h[b-a]llo", "hallo"));  // reversed range
  EXPECT_TRUE(StringMatch("key:*", "key:1"));
  EXPECT_FALSE(StringMatch("key:*", "kez:1"));
  EXPECT_TRUE(StringMatch("a*b*c", "axxbyyc"));
  EXPECT_FALSE(StringMatch("a*b*c", "axxbyy"));
  EXPECT_TRUE(StringMatch("a**", "a"));
  EXPECT_FALSE(StringMatch("", "a"));
  EXPECT_TRUE(StringMatch("", ""));
}

TEST(StringMatchTest, EscapesAndEdgeCases) {
  EXPECT_TRUE(StringMatch("h\\*llo", "h*llo"));
  EXPECT_FALSE(StringMatch("h\\*llo", "hello"));
  EXPECT_TRUE(StringMatch("a\\", "a\\"));  // trailing backslash matches itself
  EXPECT_TRUE(StringMatch("[\\]]", "]"));
  EXPECT_TRUE(StringMatch("[abc", "a"));  // unterminated class
  EXPECT_FALSE(StringMatch("[abc", "ab"));
  EXPECT_TRUE(StringMatch("[", "x") == false);
  EXPECT_TRUE(StringMatch("?", "x"));
  EXPECT_FALSE(StringMatch("?", ""));
  EXPECT_TRUE(StringMatch(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
}

TEST(StringMatchTest, NoCase) {
  EXPECT_TRUE(StringMatch("HeLLo", "hello", true));
  EXPECT_FALSE(StringMatch("HeLLo", "hello", false));
  EXPECT_TRUE(StringMatch("[A-C]x", "bX", true));
  EXPECT_FALSE(StringMatch("[A-C]x", "bX", false));
  EXPECT_TRUE(StringMatch("max*", "MAXMEMORY", true));
}

TEST(StringMatchTest, PathologicalPatternsFinish) {
  // Without Redis's skip-longer-matches rule this takes exponential time.
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "a*";
  pattern += "b";
  EXPECT_FALSE(StringMatch(pattern, std::string(200, 'a')));
  // Deep nesting is cut off instead of overflowing the stack.
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "x*";
  EXPECT_FALSE(StringMatch(deep, std::string(6000, 'x') + "y"));
}

TEST(AsciiTest, CaseHelpers) {
  EXPECT_TRUE(EqualsIgnoreCase("MaxMemory", "maxmemory"));
  EXPECT_FALSE(EqualsIgnoreCase("maxmemory", "maxmemor"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
  EXPECT_EQ(AsciiLower("GeT\xC3\x89"), "get\xC3\x89");
  EXPECT_EQ(AsciiUpper("set"), "SET");
}

TEST(TomlQuoteTest, EscapesWhatTomlBasicStringsCannotHold) {
  EXPECT_EQ(TomlQuote("plain"), "\"plain\"");
  EXPECT_EQ(TomlQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(TomlQuote("l1\nl2\tx\r"), "\"l1\\nl2\\tx\\r\"");
  EXPECT_EQ(TomlQuote(std::string_view("\x01\x7f", 2)), "\"\\u0001\\u007F\"");
  EXPECT_EQ(TomlQuote("h\xc3\xa9"), "\"h\xc3\xa9\"");  // UTF-8 passes through
}

}  // namespace
}  // namespace ferrite
