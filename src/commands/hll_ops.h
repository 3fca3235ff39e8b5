#pragma once
// HyperLogLog values in Redis's own string format, so PFADD/PFMERGE results are interchangeable
// with Redis (DUMP/RESTORE, replication from Redis, AOF files):
//
//   offset 0  "HYLL"              magic
//          4  encoding            0 = dense, 1 = sparse
//          5  3 zero bytes        reserved
//          8  cardinality cache   uint64 little endian; bit 7 of byte 15 set = stale
//         16  registers           dense: 16384 6-bit registers packed LSB first (12288 bytes)
//                                 sparse: run-length opcodes (below)
//
// Sparse opcodes: 00xxxxxx = xxxxxx+1 zero registers (1..64); 01xxxxxx yyyyyyyy = 14-bit length+1
// zero registers (1..16384); 1vvvvvxx = xx+1 registers (1..4) holding vvvvv+1 (1..32). A sparse
// value must describe exactly 16384 registers. A register that needs a value above 32, or a
// sparse string longer than SparseMaxBytes(), turns the value dense.
//
// An element maps to a register by MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the
// register, and 1 + the number of trailing zeros of the remaining 50 bits (capped at 51) is the
// candidate value; a register keeps the largest candidate. The cardinality is estimated with
// Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog sketches",
// 2017), as Redis 5+ does, so estimates match Redis exactly.
//
// Thread safety: the functions are pure, except SparseMaxBytes (a relaxed atomic setting).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/store.h"

namespace ferrite::commands::hll {

inline constexpr int kPrecision = 14;
inline constexpr int kRegisterCount = 1 << kPrecision;  // 16384
inline constexpr int kQ = 64 - kPrecision;              // bits left for the run length
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisterCount * 6 + 7) / 8;
inline constexpr uint8_t kEncodingDense = 0;
inline constexpr uint8_t kEncodingSparse = 1;
inline constexpr int kSparseMaxValue = 32;

using Registers = std::array<uint8_t, kRegisterCount>;

// Redis's hll-sparse-max-bytes (default 3000): the largest sparse value, header included.
size_t SparseMaxBytes();
void SetSparseMaxBytes(size_t bytes);

// Austin Appleby's MurmurHash64A, reading blocks little endian on every host.
uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);
// The register an element lands in, and the value it proposes (1..51).
int PatternLength(std::string_view element, uint32_t* index);

// Redis's isHLLObject: the header is well formed (magic, known encoding, dense length exact).
// A value failing this is answered "WRONGTYPE Key is not a valid HyperLogLog string value.".
bool IsHll(std::string_view value);
uint8_t EncodingOf(std::string_view value);  // REQUIRES: IsHll(value)

// Raises every register of `regs` to the value's register when larger (Redis's hllMerge).
// REQUIRES: IsHll(value). False when a sparse value does not describe exactly 16384 registers
// ("INVALIDOBJ Corrupted HLL object detected").
bool MergeInto(std::string_view value, Registers* regs);

// Builds values from registers. The cardinality cache is marked stale.
std::string EncodeDense(const Registers& regs);
// Nullopt when the registers do not fit the sparse encoding (a value above 32, or longer than
// SparseMaxBytes()).
std::optional<std::string> EncodeSparse(const Registers& regs);
// Sparse when it fits, dense otherwise.
std::string EncodeCompact(const Registers& regs);
// An empty HLL as Redis creates it: sparse, one XZERO run, cache stale.
std::string NewEmpty();

// The estimate for these registers.
uint64_t Count(const Registers& regs);

// The cardinality cache of a valid header.
bool CacheValid(std::string_view value);
uint64_t CachedCount(std::string_view value);
void StoreCount(char* header, uint64_t count);  // writes bytes 8..15 (valid)
void InvalidateCache(char* header);

// PFADD on a value already checked with IsHll: adds `elements` in place when dense, re-encodes
// when sparse. Returns 1 if a register changed, 0 if not, -1 if the sparse value is corrupt.
int Add(std::string* value, std::span<const std::string_view> elements);
// The same on a dense value in a buffer that cannot change size. REQUIRES: a dense value.
bool AddDense(char* value, std::span<const std::string_view> elements);

// PFDEBUG DECODE's text ("Z:16384" "z:3 v:2,1 ..."); nullopt if not sparse or corrupt.
std::optional<std::string> DecodeSparseText(std::string_view value);

// PFSELFTEST: checks the dense register packing and the estimator's error on a growing set,
// against the sparse and dense paths. Returns the failure text, or empty when all passed.
std::string SelfTest();

}  // namespace ferrite::commands::hll
