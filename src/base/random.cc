#include "base/random.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace ferrite {

namespace {

uint64_t SplitMix64(uint64_t* state) noexcept {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

inline uint64_t Rotl(uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

uint64_t SeedFromOs() noexcept {
  uint64_t seed;
  FillRandomBytes(&seed, sizeof(seed));
  return seed;
}

Xoshiro256& ThreadGenerator() noexcept {
  thread_local Xoshiro256 generator(SeedFromOs());
  return generator;
}

}  // namespace

Xoshiro256::Xoshiro256(uint64_t seed) noexcept {
  for (uint64_t& word : s_) word = SplitMix64(&seed);
}

uint64_t Xoshiro256::Next() noexcept {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

uint64_t Xoshiro256::Below(uint64_t bound) noexcept {
  // Map a 64-bit draw onto [0, bound) by the high half of a 128-bit product, rejecting the few
  // draws that would make low values more likely.
  unsigned __int128 m = (unsigned __int128)Next() * bound;
  uint64_t low = uint64_t(m);
  if (low < bound) {
    uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = (unsigned __int128)Next() * bound;
      low = uint64_t(m);
    }
  }
  return uint64_t(m >> 64);
}

double Xoshiro256::NextDouble() noexcept { return double(Next() >> 11) * 0x1.0p-53; }

uint64_t FastRandom() noexcept { return ThreadGenerator().Next(); }
uint64_t FastRandomBelow(uint64_t bound) noexcept { return ThreadGenerator().Below(bound); }
double FastRandomDouble() noexcept { return ThreadGenerator().NextDouble(); }

void FillRandomBytes(void* buf, size_t len) noexcept {
  auto* out = static_cast<unsigned char*>(buf);
  size_t done = 0;
  while (done < len) {
    ssize_t n = getrandom(out + done, len - done, 0);
    if (n > 0) {
      done += size_t(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  if (done == len) return;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    while (done < len) {
      ssize_t n = read(fd, out + done, len - done);
      if (n > 0) {
        done += size_t(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        break;
      }
    }
    close(fd);
  }
  if (done == len) return;
  // No kernel entropy at all (a broken sandbox): stretch the time and address into the rest, so
  // ids still differ between processes.
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t state = uint64_t(ts.tv_nsec) ^ (uint64_t(ts.tv_sec) << 32) ^ uint64_t(getpid()) ^
                   reinterpret_cast<uintptr_t>(buf);
  while (done < len) {
    uint64_t word = SplitMix64(&state);
    size_t n = len - done < sizeof(word) ? len - done : sizeof(word);
    std::memcpy(out + done, &word, n);
    done += n;
  }
}

std::string RandomHex(size_t len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string bytes((len + 1) / 2, '\0');
  FillRandomBytes(bytes.data(), bytes.size());
  std::string out(len, '0');
  for (size_t i = 0; i < len; ++i) {
    unsigned char b = static_cast<unsigned char>(bytes[i / 2]);
    out[i] = kHex[(i % 2 == 0) ? (b >> 4) : (b & 0xf)];
  }
  return out;
}

}  // namespace ferrite
