#include "commands/hll_ops.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <random>

namespace ferrite::commands::hll {
namespace {

constexpr uint64_t kHashSeed = 0xadc83b19ULL;
constexpr uint8_t kRegisterMax = 63;
constexpr int kZeroMaxLen = 64;
constexpr int kXZeroMaxLen = 16384;
constexpr int kValMaxLen = 4;
// 1 / (2 ln 2): the estimator's constant for m -> infinity.
constexpr double kAlphaInf = 0.721347520444481703680;

std::atomic<size_t> sparse_max_bytes{3000};

const uint8_t* Bytes(std::string_view v) { return reinterpret_cast<const uint8_t*>(v.data()); }

// Dense register i occupies bits [6i, 6i+6) of the register area, least significant bit first.
uint8_t DenseGet(const uint8_t* regs, uint32_t i) {
  const uint32_t byte = i * 6 / 8, shift = i * 6 % 8;
  uint32_t v = regs[byte] >> shift;
  // The last register never spills into a next byte (shift is 2 there), so the read stays inside.
  if (shift > 2) v |= static_cast<uint32_t>(regs[byte + 1]) << (8 - shift);
  return static_cast<uint8_t>(v & kRegisterMax);
}

void DenseSet(uint8_t* regs, uint32_t i, uint8_t value) {
  const uint32_t byte = i * 6 / 8, shift = i * 6 % 8;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(kRegisterMax << shift)) | (value << shift));
  if (shift > 2) {
    const uint32_t high = 8 - shift;  // bits already written to the first byte
    regs[byte + 1] =
        static_cast<uint8_t>((regs[byte + 1] & ~(kRegisterMax >> high)) | (value >> high));
  }
}

void WriteHeader(std::string* out, uint8_t encoding) {
  out->assign("HYLL", 4);
  out->push_back(static_cast<char>(encoding));
  out->append(11, '\0');
  InvalidateCache(out->data());
}

// Ertl's sigma and tau series, iterated until the double stops changing.
double Sigma(double x) {
  if (x == 1.0) return INFINITY;
  double y = 1.0, z = x, previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0, z = 1.0 - x, previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= std::pow(1.0 - x, 2) * y;
  } while (previous != z);
  return z / 3;
}

bool DecodeSparse(std::string_view value, Registers* regs) {
  const uint8_t* p = Bytes(value);
  size_t pos = kHeaderSize;
  uint32_t idx = 0;
  while (pos < value.size()) {
    const uint8_t op = p[pos];
    if ((op & 0xc0) == 0) {  // ZERO
      idx += (op & 0x3f) + 1;
      ++pos;
    } else if ((op & 0xc0) == 0x40) {  // XZERO
      if (pos + 1 >= value.size()) return false;
      idx += ((static_cast<uint32_t>(op & 0x3f) << 8) | p[pos + 1]) + 1;
      pos += 2;
    } else {  // VAL
      const uint8_t v = ((op >> 2) & 0x1f) + 1;
      const uint32_t len = (op & 0x3) + 1;
      if (idx + len > kRegisterCount) return false;
      for (uint32_t i = 0; i < len; ++i) {
        if ((*regs)[idx + i] < v) (*regs)[idx + i] = v;
      }
      idx += len;
      ++pos;
    }
    if (idx > kRegisterCount) return false;
  }
  return idx == kRegisterCount;
}

}  // namespace

size_t SparseMaxBytes() { return sparse_max_bytes.load(std::memory_order_relaxed); }
void SetSparseMaxBytes(size_t bytes) { sparse_max_bytes.store(bytes, std::memory_order_relaxed); }

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  const uint8_t* data = static_cast<const uint8_t*>(key);
  uint64_t h = seed ^ (len * m);
  const size_t blocks = len / 8;
  for (size_t b = 0; b < blocks; ++b, data += 8) {
    uint64_t k = 0;
    for (int i = 7; i >= 0; --i) k = (k << 8) | data[i];  // little endian on any host
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const size_t tail = len & 7;
  if (tail != 0) {
    for (size_t i = tail; i > 0; --i) h ^= static_cast<uint64_t>(data[i - 1]) << (8 * (i - 1));
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

int PatternLength(std::string_view element, uint32_t* index) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), kHashSeed);
  *index = static_cast<uint32_t>(hash & (kRegisterCount - 1));
  hash >>= kPrecision;
  hash |= uint64_t{1} << kQ;  // a sentinel bounds the run at kQ + 1
  return __builtin_ctzll(hash) + 1;
}

bool IsHll(std::string_view value) {
  if (value.size() < kHeaderSize || value.substr(0, 4) != "HYLL") return false;
  const uint8_t encoding = static_cast<uint8_t>(value[4]);
  if (encoding > kEncodingSparse) return false;
  return encoding != kEncodingDense || value.size() == kDenseSize;
}

uint8_t EncodingOf(std::string_view value) { return static_cast<uint8_t>(value[4]); }

bool MergeInto(std::string_view value, Registers* regs) {
  if (EncodingOf(value) == kEncodingSparse) return DecodeSparse(value, regs);
  const uint8_t* dense = Bytes(value) + kHeaderSize;
  for (uint32_t i = 0; i < kRegisterCount; ++i) {
    const uint8_t v = DenseGet(dense, i);
    if ((*regs)[i] < v) (*regs)[i] = v;
  }
  return true;
}

std::string EncodeDense(const Registers& regs) {
  std::string out;
  WriteHeader(&out, kEncodingDense);
  out.resize(kDenseSize, '\0');
  uint8_t* dense = reinterpret_cast<uint8_t*>(out.data()) + kHeaderSize;
  for (uint32_t i = 0; i < kRegisterCount; ++i) {
    if (regs[i] != 0) DenseSet(dense, i, regs[i]);
  }
  return out;
}

std::optional<std::string> EncodeSparse(const Registers& regs) {
  std::string out;
  WriteHeader(&out, kEncodingSparse);
  const size_t limit = SparseMaxBytes();
  uint32_t i = 0;
  while (i < kRegisterCount) {
    uint32_t run = 1;
    const uint8_t v = regs[i];
    if (v > kSparseMaxValue) return std::nullopt;
    while (i + run < kRegisterCount && regs[i + run] == v) ++run;
    i += run;
    if (v == 0) {
      while (run > 0) {
        if (run > kZeroMaxLen) {
          const uint32_t len = std::min<uint32_t>(run, kXZeroMaxLen) - 1;
          out.push_back(static_cast<char>(0x40 | (len >> 8)));
          out.push_back(static_cast<char>(len & 0xff));
          run -= len + 1;
        } else {
          out.push_back(static_cast<char>(run - 1));
          run = 0;
        }
      }
    } else {
      while (run > 0) {
        const uint32_t len = std::min<uint32_t>(run, kValMaxLen);
        out.push_back(static_cast<char>(0x80 | ((v - 1) << 2) | (len - 1)));
        run -= len;
      }
    }
    if (out.size() > limit) return std::nullopt;
  }
  return out;
}

std::string EncodeCompact(const Registers& regs) {
  std::optional<std::string> sparse = EncodeSparse(regs);
  return sparse ? std::move(*sparse) : EncodeDense(regs);
}

std::string NewEmpty() {
  // Redis creates it with a stale cache too: the first PFCOUNT computes (and stores) 0.
  Registers regs{};
  return EncodeCompact(regs);
}

uint64_t Count(const Registers& regs) {
  int histogram[64] = {};
  for (uint8_t r : regs) ++histogram[r];
  const double m = kRegisterCount;
  double z = m * Tau((m - histogram[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histogram[j];
    z *= 0.5;
  }
  z += m * Sigma(histogram[0] / m);
  return static_cast<uint64_t>(std::llround(kAlphaInf * m * m / z));
}

bool CacheValid(std::string_view value) { return (static_cast<uint8_t>(value[15]) & 0x80) == 0; }

uint64_t CachedCount(std::string_view value) {
  uint64_t count = 0;
  for (int i = 7; i >= 0; --i) count = (count << 8) | static_cast<uint8_t>(value[8 + i]);
  return count;
}

void StoreCount(char* header, uint64_t count) {
  for (int i = 0; i < 8; ++i) header[8 + i] = static_cast<char>((count >> (8 * i)) & 0xff);
}

void InvalidateCache(char* header) {
  header[15] = static_cast<char>(static_cast<uint8_t>(header[15]) | 0x80);
}

bool AddDense(char* value, std::span<const std::string_view> elements) {
  uint8_t* dense = reinterpret_cast<uint8_t*>(value) + kHeaderSize;
  bool changed = false;
  for (std::string_view e : elements) {
    uint32_t index;
    const uint8_t count = static_cast<uint8_t>(PatternLength(e, &index));
    if (DenseGet(dense, index) < count) {
      DenseSet(dense, index, count);
      changed = true;
    }
  }
  if (changed) InvalidateCache(value);
  return changed;
}

int Add(std::string* value, std::span<const std::string_view> elements) {
  if (EncodingOf(*value) == kEncodingDense) return AddDense(value->data(), elements) ? 1 : 0;
  Registers regs{};
  if (!DecodeSparse(*value, &regs)) return -1;
  bool changed = false;
  for (std::string_view e : elements) {
    uint32_t index;
    const uint8_t count = static_cast<uint8_t>(PatternLength(e, &index));
    if (regs[index] < count) {
      regs[index] = count;
      changed = true;
    }
  }
  if (!changed) return 0;
  *value = EncodeCompact(regs);  // the new header's cache is stale
  return 1;
}

std::optional<std::string> DecodeSparseText(std::string_view value) {
  if (EncodingOf(value) != kEncodingSparse) return std::nullopt;
  const uint8_t* p = Bytes(value);
  std::string text;
  size_t pos = kHeaderSize;
  while (pos < value.size()) {
    const uint8_t op = p[pos];
    if (!text.empty()) text.push_back(' ');
    if ((op & 0xc0) == 0) {
      text += "z:" + std::to_string((op & 0x3f) + 1);
      ++pos;
    } else if ((op & 0xc0) == 0x40) {
      if (pos + 1 >= value.size()) return std::nullopt;
      text += "Z:" + std::to_string((((op & 0x3f) << 8) | p[pos + 1]) + 1);
      pos += 2;
    } else {
      text += "v:" + std::to_string(((op >> 2) & 0x1f) + 1) + "," + std::to_string((op & 3) + 1);
      ++pos;
    }
  }
  return text;
}

std::string SelfTest() {
  std::mt19937_64 rng(std::random_device{}());
  // 1. Dense packing: random registers read back unchanged.
  std::string dense(kDenseSize - kHeaderSize, '\0');
  uint8_t* area = reinterpret_cast<uint8_t*>(dense.data());
  Registers expect{};
  for (int cycle = 0; cycle < 64; ++cycle) {
    for (uint32_t i = 0; i < kRegisterCount; ++i) {
      expect[i] = static_cast<uint8_t>(rng() & kRegisterMax);
      DenseSet(area, i, expect[i]);
    }
    for (uint32_t i = 0; i < kRegisterCount; ++i) {
      if (DenseGet(area, i) != expect[i]) {
        return "TESTFAILED Register " + std::to_string(i) + " should be " +
               std::to_string(expect[i]) + " but is " + std::to_string(DenseGet(area, i));
      }
    }
  }
  // 2. Estimation error on 1..10^6 distinct elements, through the sparse (then promoted) path
  // and the dense path, which must agree exactly.
  Registers zero{};
  std::string compact = NewEmpty();
  std::string full = EncodeDense(zero);
  const double relerr = 1.04 / std::sqrt(static_cast<double>(kRegisterCount));
  const uint64_t seed = rng();
  uint64_t checkpoint = 1;
  for (uint64_t j = 1; j <= 1'000'000; ++j) {
    const uint64_t element = j ^ seed;
    const std::string_view bytes(reinterpret_cast<const char*>(&element), sizeof(element));
    AddDense(full.data(), std::span<const std::string_view>(&bytes, 1));
    if (Add(&compact, std::span<const std::string_view>(&bytes, 1)) < 0) {
      return "TESTFAILED sparse representation corrupted";
    }
    if (j != checkpoint) continue;
    if (j < SparseMaxBytes() / 2 && EncodingOf(compact) != kEncodingSparse) {
      return "TESTFAILED sparse encoding not used";
    }
    Registers a{}, b{};
    if (!MergeInto(full, &a) || !MergeInto(compact, &b)) return "TESTFAILED merge failed";
    const uint64_t count = Count(a);
    if (count != Count(b)) return "TESTFAILED dense/sparse disagree";
    const uint64_t max_error = j == 10 ? 1 : static_cast<uint64_t>(std::ceil(relerr * 6 * j));
    const uint64_t error = count > j ? count - j : j - count;
    if (error > max_error) {
      return "TESTFAILED Too big error. card:" + std::to_string(j) +
             " abserr:" + std::to_string(error);
    }
    checkpoint *= 10;
  }
  return {};
}

}  // namespace ferrite::commands::hll
