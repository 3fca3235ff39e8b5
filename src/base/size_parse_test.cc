#include "base/size_parse.h"

#include <gtest/gtest.h>

namespace ferrite {
namespace {

TEST(SizeParseTest, RedisUnits) {
  EXPECT_EQ(ParseMemorySize("100"), 100u);
  EXPECT_EQ(ParseMemorySize("100b"), 100u);
  EXPECT_EQ(ParseMemorySize("1k"), 1000u);
  EXPECT_EQ(ParseMemorySize("512kb"), 512u * 1024);
  EXPECT_EQ(ParseMemorySize("1m"), 1000000u);
  EXPECT_EQ(ParseMemorySize("64mb"), 64u * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("1g"), 1000000000u);
  EXPECT_EQ(ParseMemorySize("1gb"), 1024ull * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("1GB"), 1024ull * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("2Mb"), 2u * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("0"), 0u);
  EXPECT_EQ(ParseMemorySize("18446744073709551615"), UINT64_MAX);
}

TEST(SizeParseTest, RejectsMalformed) {
  for (const char* bad : {"", "mb", "-1", "+1", " 1", "1 mb", "1tb", "1.5gb", "1gbb", "x",
                          "18446744073709551616", "17179869184gb"}) {
    EXPECT_FALSE(ParseMemorySize(bad).has_value()) << bad;
  }
}

TEST(SizeParseTest, FormatRoundTrips) {
  EXPECT_EQ(FormatMemorySize(0), "0");
  EXPECT_EQ(FormatMemorySize(1000), "1000");
  EXPECT_EQ(FormatMemorySize(1024), "1kb");
  EXPECT_EQ(FormatMemorySize(64ull << 20), "64mb");
  EXPECT_EQ(FormatMemorySize(3ull << 30), "3gb");
  EXPECT_EQ(FormatMemorySize(1536ull << 20), "1536mb");
  for (uint64_t v : {0ull, 1ull, 1000ull, 4096ull, 5ull << 30, 123456789ull}) {
    EXPECT_EQ(ParseMemorySize(FormatMemorySize(v)), v);
  }
}

}  // namespace
}  // namespace ferrite
