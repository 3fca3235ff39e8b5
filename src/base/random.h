#pragma once
// Randomness: a fast per-thread PRNG for sampling, eviction and RANDOMKEY, and OS entropy for
// identifiers (the 40-hex-character run id of INFO server, trace ids).
//
// Xoshiro256 is xoshiro256** (Blackman and Vigna): not cryptographic, 2^256-1 period, a few ns per
// draw. FastRandom() uses one instance per thread, seeded from getrandom(2) on first use, so it
// needs no locking. Tests construct Xoshiro256 with a fixed seed for reproducibility.
//
// Thread safety: the free functions may be called from any thread; a Xoshiro256 object is not
// shared between threads.

#include <cstddef>
#include <cstdint>
#include <string>

namespace ferrite {

class Xoshiro256 {
 public:
  // The four state words are derived from `seed` with splitmix64, so any seed (even 0) is fine.
  explicit Xoshiro256(uint64_t seed) noexcept;

  uint64_t Next() noexcept;
  // Uniform in [0, bound); bound must be > 0. Unbiased (Lemire's multiply-and-reject).
  uint64_t Below(uint64_t bound) noexcept;
  // Uniform in [0, 1) with 53 random bits.
  double NextDouble() noexcept;

 private:
  uint64_t s_[4];
};

// The calling thread's generator.
uint64_t FastRandom() noexcept;
uint64_t FastRandomBelow(uint64_t bound) noexcept;  // REQUIRES: bound > 0
double FastRandomDouble() noexcept;

// Fills buf with bytes from getrandom(2) (the kernel CSPRNG); falls back to /dev/urandom.
void FillRandomBytes(void* buf, size_t len) noexcept;

// `len` random lowercase hex characters from the kernel CSPRNG.
std::string RandomHex(size_t len);
// Redis's run id: 40 random hex characters.
inline std::string GenerateRunId() { return RandomHex(40); }

}  // namespace ferrite
