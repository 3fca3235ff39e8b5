#pragma once
// HashIndex: FASTER's latch-free hash index from (bucket, tag) to the newest log address of a
// chain of records. A lookup compares full keys along the chain, so a tag collision costs a
// longer walk, never a wrong answer.
//
// The main table has a power-of-two number of cache-line buckets fixed at construction; when a
// bucket's seven slots are used, overflow buckets are linked from a pool that grows in chunks
// while the server runs (a CAS on the overflow word; nobody waits). Capacity therefore grows
// with the number of keys without stopping the world; the price of a small main table is longer
// overflow chains, so the store sizes it from max_memory (docs/design/hybridlog.md).
//
// Inserting a new tag is latch-free (FASTER's FindOrCreateEntry): a thread CASes a tentative
// entry into a free slot, then scans the bucket chain for another entry with the same tag; if
// it finds one it withdraws and retries, otherwise it clears the tentative bit. Two threads can
// therefore never both install the same tag.
//
// Thread safety: all methods are safe from any thread. Overflow buckets live until destruction.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/function_ref.h"
#include "storage/index/hash_bucket.h"

namespace ferrite::storage::index {

// A located entry: the slot and the word seen in it. `slot` is null when the tag is absent.
struct EntrySlot {
  std::atomic<uint64_t>* slot = nullptr;
  uint64_t entry = 0;
  uint64_t address() const { return EntryAddress(entry); }
};

class HashIndex {
 public:
  // REQUIRES: `buckets` is a power of two.
  explicit HashIndex(uint64_t buckets);
  ~HashIndex();
  HashIndex(const HashIndex&) = delete;
  HashIndex& operator=(const HashIndex&) = delete;

  // The non-tentative entry for `hash`'s tag, or a null slot.
  EntrySlot Find(uint64_t hash) const;
  // The entry for `hash`'s tag, inserting one with address 0 if absent. Slots holding an address
  // below `begin_address` (a truncated chain) are reused for other tags.
  EntrySlot FindOrCreate(uint64_t hash, uint64_t begin_address);

  uint64_t num_buckets() const { return num_buckets_; }
  uint64_t BucketOf(uint64_t hash) const { return hash & (num_buckets_ - 1); }
  // Calls `fn` for every non-tentative, non-free entry of main bucket `b` and its overflow.
  void ForEachEntry(uint64_t b, FunctionRef<void(std::atomic<uint64_t>& slot, uint64_t e)> fn);
  // Empties every slot; concurrent CASes on old words fail and their callers retry.
  void Clear();

  uint64_t MemoryBytes() const;
  uint64_t overflow_buckets() const { return next_overflow_.load(std::memory_order_relaxed); }

 private:
  static constexpr uint64_t kChunkBuckets = 1024;
  static constexpr uint64_t kMaxChunks = 1 << 16;

  HashBucket* Overflow(uint64_t word) const;  // REQUIRES: word != 0
  uint64_t AllocateOverflow();                // returns 1 + pool index
  bool HasOtherWithTag(HashBucket* bucket, uint16_t tag, std::atomic<uint64_t>* mine) const;

  uint64_t num_buckets_;
  HashBucket* table_;
  std::unique_ptr<std::atomic<HashBucket*>[]> chunks_;
  std::atomic<uint64_t> next_overflow_{0};
  std::atomic<uint64_t> chunks_allocated_{0};
};

}  // namespace ferrite::storage::index
