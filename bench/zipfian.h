// Key-rank generators for bench/zipf_load.cc: YCSB's zipfian generator (Gray et al., "Quickly
// Generating Billion-Record Synthetic Databases", SIGMOD 1994, as YCSB's ZipfianGenerator uses
// it) and a uniform one, both drawing key indexes in [0, n).
//
// Zipfian: rank r (0-based) is drawn with probability close to (1 / (r + 1)^theta) / zeta(n),
// zeta(n) = sum over i = 1..n of 1 / i^theta. Ranks 0 and 1 are exact; the rest follow Gray's
// closed-form approximation, as in YCSB. The hot ranks are then scattered over the key space by
// a fixed bijection (ScatterRank), as YCSB's "scrambled zipfian" does: otherwise the hottest
// keys would be key:0, key:1, ..., which a load phase writes first, so popularity would coincide
// with the position in the log and the benchmark would measure write order, not skew.
//
// Thread safety: a generator is immutable after construction; Next() takes the caller's random
// engine, so one generator can serve every thread, each with its own engine.

#pragma once

#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>

namespace ferrite::bench {

// A uniform double in [0, 1) from the top 53 bits of one 64-bit draw.
inline double UnitInterval(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

class ZipfianGenerator {
 public:
  // n >= 1; theta in (0, 1) (YCSB's default is 0.99). Computing zeta(n) costs O(n) pow calls,
  // about 30 ms per million keys, once.
  ZipfianGenerator(uint64_t n, double theta)
      : n_(n), zeta_n_(Zeta(n, theta)), alpha_(1.0 / (1.0 - theta)) {
    const double zeta2 = Zeta(2, theta);
    eta_ = (1.0 - std::pow(2.0 / static_cast<double>(n), 1.0 - theta)) / (1.0 - zeta2 / zeta_n_);
    half_pow_theta_ = 1.0 + std::pow(0.5, theta);
  }

  // A rank in [0, n): 0 is the most popular.
  uint64_t Next(std::mt19937_64& rng) const {
    const double u = UnitInterval(rng);
    const double uz = u * zeta_n_;
    if (uz < 1.0) return 0;
    if (uz < half_pow_theta_) return n_ > 1 ? 1 : 0;
    const auto r =
        static_cast<uint64_t>(static_cast<double>(n_) * std::pow(eta_ * u - eta_ + 1.0, alpha_));
    return r < n_ ? r : n_ - 1;
  }

  // The probability of rank 0, 1 / zeta(n): what tests compare the draws with.
  double TopProbability() const { return 1.0 / zeta_n_; }

  static double Zeta(uint64_t n, double theta) {
    double sum = 0;
    for (uint64_t i = 1; i <= n; ++i) sum += 1.0 / std::pow(static_cast<double>(i), theta);
    return sum;
  }

 private:
  uint64_t n_;
  double zeta_n_;
  double alpha_;
  double eta_;
  double half_pow_theta_;
};

// A bijection of [0, n): rank -> (rank * multiplier + n / 2) mod n, with the multiplier a large
// prime (Knuth's 2654435761) coprime with n, so neighbouring ranks land far apart.
class ScatterRank {
 public:
  explicit ScatterRank(uint64_t n) : n_(n), multiplier_(kPrime % n) {
    if (n_ <= 1 || std::gcd(multiplier_, n_) != 1) multiplier_ = 1;  // n a multiple of kPrime
  }

  uint64_t operator()(uint64_t rank) const {
    const unsigned __int128 product = static_cast<unsigned __int128>(rank) * multiplier_;
    return static_cast<uint64_t>((product + n_ / 2) % n_);
  }

 private:
  static constexpr uint64_t kPrime = 2654435761u;
  uint64_t n_;
  uint64_t multiplier_;
};

}  // namespace ferrite::bench
