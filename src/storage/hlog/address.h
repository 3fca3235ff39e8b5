#pragma once
// Logical addresses of the HybridLog (FASTER's Address).
//
// An address is a 48-bit byte offset into one ever-growing log: page = address >> page_bits,
// offset = address & (page_size - 1), and on disk segment = address >> segment_bits with the
// file offset address & (segment_size - 1). 48 bits are what a hash-index entry holds
// (storage/index/hash_bucket.h): 256 TiB of log before the store must be restarted (checkpoint
// and recovery, a later issue, rebase addresses).
//
// Address 0 is "none": the log starts at kFirstValidAddress, so the first 64 bytes of page 0 and
// of segment 0 are always zero.
//
// The region markers, all monotonic (docs/design/hybridlog.md):
//   BeginAddress <= HeadAddress <= ReadOnlyAddress <= TailAddress
//   SafeHeadAddress <= HeadAddress, SafeReadOnlyAddress <= ReadOnlyAddress
//   FlushedUntilAddress <= SafeReadOnlyAddress, HeadAddress <= FlushedUntilAddress
// [Begin, Head) is on disk only, [Head, ReadOnly) in memory and immutable, [ReadOnly, Tail) in
// memory and updated in place; [SafeReadOnly, ReadOnly) is the fuzzy region.

#include <cstdint>

namespace ferrite::storage::hlog {

using Address = uint64_t;

inline constexpr Address kInvalidAddress = 0;
inline constexpr Address kFirstValidAddress = 64;
inline constexpr int kAddressBits = 48;
inline constexpr Address kMaxAddress = (Address{1} << kAddressBits) - 1;

}  // namespace ferrite::storage::hlog
