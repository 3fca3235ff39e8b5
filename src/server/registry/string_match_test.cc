#include "server/registry/string_match.h"

#include <gtest/gtest.h>

#include <string>

namespace ferrite::server {
namespace {

TEST(StringMatchTest, Wildcards) {
  EXPECT_TRUE(StringMatch("*", "get", false));
  EXPECT_TRUE(StringMatch("g*", "get", false));
  EXPECT_TRUE(StringMatch("*t", "get", false));
  EXPECT_TRUE(StringMatch("g?t", "get", false));
  EXPECT_FALSE(StringMatch("g?t", "gt", false));
  EXPECT_TRUE(StringMatch("config|*", "config|get", false));
  EXPECT_FALSE(StringMatch("config|*", "config", false));
  EXPECT_TRUE(StringMatch("**a**", "xxaxx", false));
  EXPECT_FALSE(StringMatch("*a*b", "aaaa", false));
  EXPECT_TRUE(StringMatch("", "", false));
  EXPECT_FALSE(StringMatch("*", "", false));  // as Redis's stringmatchlen
}

TEST(StringMatchTest, Classes) {
  EXPECT_TRUE(StringMatch("h[ae]llo", "hello", false));
  EXPECT_FALSE(StringMatch("h[ae]llo", "hillo", false));
  EXPECT_TRUE(StringMatch("h[^e]llo", "hallo", false));
  EXPECT_FALSE(StringMatch("h[^e]llo", "hello", false));
  EXPECT_TRUE(StringMatch("h[a-c]llo", "hbllo", false));
  EXPECT_TRUE(StringMatch("h[c-a]llo", "hbllo", false));  // reversed range
  EXPECT_TRUE(StringMatch("a[\\]]b", "a]b", false));
  EXPECT_TRUE(StringMatch("ab[c", "abc", false));  // unterminated class
  EXPECT_TRUE(StringMatch("a\\*b", "a*b", false));
  EXPECT_FALSE(StringMatch("a\\*b", "axb", false));
}

TEST(StringMatchTest, NoCase) {
  EXPECT_TRUE(StringMatch("GET", "get", true));
  EXPECT_FALSE(StringMatch("GET", "get", false));
  EXPECT_TRUE(StringMatch("[A-C]x", "bx", true));
  EXPECT_FALSE(StringMatch("[A-C]x", "bx", false));
}

TEST(StringMatchTest, PathologicalPatternFinishes) {
  std::string s(5000, 'a');
  EXPECT_FALSE(StringMatch("*a*a*a*a*a*a*a*a*a*a*b", s, false));
}

}  // namespace
}  // namespace ferrite::server
