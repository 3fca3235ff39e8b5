// The load generator's key distributions: draws compared with the zipfian probabilities, and the
// rank scattering checked to be a bijection. Fixed seeds, so the results are deterministic.

#include "zipfian.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace ferrite::bench {
namespace {

constexpr int kDraws = 2'000'000;

std::vector<uint64_t> Histogram(const ZipfianGenerator& gen, uint64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> counts(n);
  for (int i = 0; i < kDraws; ++i) {
    const uint64_t r = gen.Next(rng);
    EXPECT_LT(r, n);
    if (r < n) ++counts[r];
  }
  return counts;
}

TEST(ZipfianGenerator, TopRanksFollowTheZipfianProbabilities) {
  constexpr uint64_t kN = 1000;
  constexpr double kTheta = 0.99;
  ZipfianGenerator gen(kN, kTheta);
  const double zeta = ZipfianGenerator::Zeta(kN, kTheta);
  EXPECT_DOUBLE_EQ(gen.TopProbability(), 1.0 / zeta);
  const auto counts = Histogram(gen, kN, 1);
  for (uint64_t rank : {0, 1}) {  // exact in Gray's method
    const double expected = 1.0 / std::pow(rank + 1.0, kTheta) / zeta;
    EXPECT_NEAR(static_cast<double>(counts[rank]) / kDraws, expected, 0.02 * expected)
        << "rank " << rank;
  }
}

TEST(ZipfianGenerator, MassOfTheHottestTenthMatchesZeta) {
  // The closed form approximates the tail: the share of the 100 hottest of 1000 ranks must still
  // be zeta(100) / zeta(1000) (about 0.69 at theta 0.99; uniform would give 0.10).
  constexpr uint64_t kN = 1000;
  for (double theta : {0.5, 0.8, 0.99}) {
    ZipfianGenerator gen(kN, theta);
    const auto counts = Histogram(gen, kN, 7);
    uint64_t top = 0;
    for (int r = 0; r < 100; ++r) top += counts[r];
    const double expected = ZipfianGenerator::Zeta(100, theta) / ZipfianGenerator::Zeta(kN, theta);
    EXPECT_NEAR(static_cast<double>(top) / kDraws, expected, 0.02) << "theta " << theta;
  }
}

TEST(ZipfianGenerator, TinyKeySpacesStayInRange) {
  for (uint64_t n : {1, 2, 3}) {
    ZipfianGenerator gen(n, 0.99);
    std::mt19937_64 rng(3);
    std::set<uint64_t> seen;
    for (int i = 0; i < 10'000; ++i) {
      const uint64_t r = gen.Next(rng);
      ASSERT_LT(r, n);
      seen.insert(r);
    }
    EXPECT_EQ(seen.size(), n) << "every rank of " << n << " is drawn";
  }
}

TEST(ScatterRank, IsABijectionThatSpreadsNeighbours) {
  for (uint64_t n : {1, 2, 7, 1000, 4096, 262144, 1000003}) {
    ScatterRank scatter(n);
    std::vector<bool> hit(n);
    for (uint64_t r = 0; r < n; ++r) {
      const uint64_t k = scatter(r);
      ASSERT_LT(k, n);
      ASSERT_FALSE(hit[k]) << "n " << n << ": two ranks map to " << k;
      hit[k] = true;
    }
  }
  // The hottest ranks do not end up next to each other at the start of the key space.
  ScatterRank scatter(262144);
  EXPECT_GT(scatter(1) > scatter(0) ? scatter(1) - scatter(0) : scatter(0) - scatter(1), 1000u);
}

TEST(ScatterRank, KeySpaceThatIsAMultipleOfThePrimeFallsBackToIdentityStep) {
  const uint64_t n = 2 * 2654435761ull;
  ScatterRank scatter(n);
  EXPECT_EQ(scatter(1) - scatter(0), 1u);
  EXPECT_LT(scatter(n - 1), n);
}

}  // namespace
}  // namespace ferrite::bench
