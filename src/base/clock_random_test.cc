#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "base/clock.h"
#include "base/random.h"

namespace ferrite {
namespace {

TEST(ClockTest, MonotonicNeverGoesBackwards) {
  int64_t prev = MonotonicNs();
  for (int i = 0; i < 1000; ++i) {
    int64_t now = MonotonicNs();
    ASSERT_GE(now, prev);
    prev = now;
  }
  EXPECT_GT(MonotonicUs(), 0);
}

TEST(ClockTest, WallClockIsUnixTime) {
  // Later than 2024-01-01 and consistent between units.
  EXPECT_GT(WallMs(), 1704067200000);
  int64_t us = WallUs();
  int64_t ms = WallMs();
  EXPECT_LE(us / 1000, ms);
}

TEST(ClockTest, CoarseClockFollowsUpdates) {
  UpdateCoarseClock();
  int64_t before = WallMs();
  int64_t coarse = CoarseWallMs();
  EXPECT_LE(coarse, before);
  EXPECT_GT(coarse, 0);
  EXPECT_EQ(CoarseWallUs() / 1000, coarse);
  int64_t mono = CoarseMonotonicUs();
  EXPECT_LE(mono, MonotonicUs());
  // Without an update the cached value stays put.
  EXPECT_EQ(CoarseWallMs(), coarse);
  EXPECT_EQ(CoarseMonotonicUs(), mono);
}

TEST(RandomTest, SeededGeneratorIsDeterministic) {
  Xoshiro256 a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    if (x != c.Next()) differs = true;
  }
  EXPECT_TRUE(differs);
}

TEST(RandomTest, BelowStaysInRangeAndCoversIt) {
  Xoshiro256 g(7);
  std::set<uint64_t> seen;
  for (int i = 0; i < 10000; ++i) {
    uint64_t v = g.Below(10);
    ASSERT_LT(v, 10u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 10u);
  for (int i = 0; i < 1000; ++i) {
    double d = g.NextDouble();
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
  }
  EXPECT_EQ(g.Below(1), 0u);
}

TEST(RandomTest, ThreadGeneratorsDiffer) {
  uint64_t main_first = FastRandom();
  uint64_t other_first = 0;
  std::thread([&] { other_first = FastRandom(); }).join();
  EXPECT_NE(main_first, other_first);
  EXPECT_LT(FastRandomBelow(5), 5u);
  double d = FastRandomDouble();
  EXPECT_TRUE(d >= 0.0 && d < 1.0);
}

TEST(RandomTest, RunIdIsFortyHexChars) {
  std::string id = GenerateRunId();
  ASSERT_EQ(id.size(), 40u);
  for (char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
  EXPECT_NE(id, GenerateRunId());
  EXPECT_EQ(RandomHex(7).size(), 7u);
  unsigned char buf[64] = {};
  FillRandomBytes(buf, sizeof(buf));
  int nonzero = 0;
  for (unsigned char b : buf) nonzero += b != 0;
  EXPECT_GT(nonzero, 32);
}

}  // namespace
}  // namespace ferrite
