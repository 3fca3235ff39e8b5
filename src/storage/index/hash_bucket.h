#pragma once
// The hash index's bucket and entry encodings (FASTER's HashBucket / HashBucketEntry).
//
// A bucket is one 64-byte cache line: seven entry words and one overflow word. An entry word is
//   bits  0..47  logical address of the newest record whose key hashes to this bucket and tag
//   bits 48..61  tag: 14 more hash bits, so most lookups touch only records of their own key
//   bit  62      moved: frozen by an index growth that copied the entry into the larger table;
//                set once by fetch_or and never cleared, so every later CAS on the word fails
//   bit  63      tentative: being inserted; readers skip it (see HashIndex::FindOrCreate)
// A word of 0 is a free slot, so tags are never 0. The overflow word holds 1 + the index of the
// next bucket in its table's overflow pool, or 0, plus kLinkMovedBit once a growth froze it.
//
// Thread safety: words are atomics, changed only by CAS (entries, overflow 0 -> id) or by the
// growth's fetch_or of a moved bit.

#include <atomic>
#include <cstdint>

namespace ferrite::storage::index {

inline constexpr int kEntriesPerBucket = 7;
inline constexpr uint64_t kAddressMask = (uint64_t{1} << 48) - 1;
inline constexpr int kTagShift = 48;
inline constexpr uint64_t kTagMask = (uint64_t{1} << 14) - 1;
inline constexpr uint64_t kTentativeBit = uint64_t{1} << 63;
inline constexpr uint64_t kMovedBit = uint64_t{1} << 62;
inline constexpr uint64_t kLinkMovedBit = uint64_t{1} << 63;

struct alignas(64) HashBucket {
  std::atomic<uint64_t> entries[kEntriesPerBucket];
  std::atomic<uint64_t> overflow;
};
static_assert(sizeof(HashBucket) == 64);

inline uint64_t EntryAddress(uint64_t entry) { return entry & kAddressMask; }
inline uint16_t EntryTag(uint64_t entry) {
  return static_cast<uint16_t>((entry >> kTagShift) & kTagMask);
}
inline bool EntryTentative(uint64_t entry) { return (entry & kTentativeBit) != 0; }
inline bool EntryMoved(uint64_t entry) { return (entry & kMovedBit) != 0; }
inline uint64_t MakeEntry(uint16_t tag, uint64_t address, bool tentative = false) {
  return (address & kAddressMask) | (uint64_t{tag} << kTagShift) | (tentative ? kTentativeBit : 0);
}
// The tag of a 64-bit key hash: the top 14 bits, never 0.
inline uint16_t TagOf(uint64_t hash) {
  uint16_t tag = static_cast<uint16_t>(hash >> 50);
  return tag == 0 ? 1 : tag;
}

}  // namespace ferrite::storage::index
