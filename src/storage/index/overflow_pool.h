#pragma once
// OverflowPool: the overflow buckets of one hash table, allocated in chunks of kChunkBuckets
// while the server runs. An id is 1 + the bucket's position (0 means "no bucket"), so a bucket's
// overflow word can hold it directly. Buckets are zeroed when their chunk is allocated and live
// until the pool is destroyed; a growth gives the larger table a fresh pool and frees the old
// one with the old table (HashIndex).
//
// Thread safety: Allocate and At from any thread (a CAS publishes each chunk); the destructor
// only when no thread can reach the pool.

#include <atomic>
#include <cstdint>
#include <memory>

#include "storage/index/hash_bucket.h"

namespace ferrite::storage::index {

class OverflowPool {
 public:
  static constexpr uint64_t kChunkBuckets = 1024;
  static constexpr uint64_t kMaxChunks = 1 << 16;
  // The chunk directory, counted in MemoryBytes from the start.
  static constexpr uint64_t kDirectoryBytes = kMaxChunks * sizeof(std::atomic<HashBucket*>);

  OverflowPool();
  ~OverflowPool();
  OverflowPool(const OverflowPool&) = delete;
  OverflowPool& operator=(const OverflowPool&) = delete;

  // A zeroed bucket's id. Adds the bytes of a new chunk to `*bytes`.
  uint64_t Allocate(std::atomic<uint64_t>* bytes);
  // REQUIRES: `id` came from Allocate (the moved bit of an overflow word masked off).
  HashBucket* At(uint64_t id) const {
    const uint64_t i = id - 1;
    return &chunks_[i / kChunkBuckets].load(std::memory_order_acquire)[i % kChunkBuckets];
  }
  // Buckets handed out so far.
  uint64_t used() const { return next_.load(std::memory_order_relaxed); }
  // Directory plus allocated chunks.
  uint64_t MemoryBytes() const {
    return kDirectoryBytes +
           chunks_allocated_.load(std::memory_order_relaxed) * kChunkBuckets * sizeof(HashBucket);
  }

 private:
  std::unique_ptr<std::atomic<HashBucket*>[]> chunks_;
  std::atomic<uint64_t> next_{0};
  std::atomic<uint64_t> chunks_allocated_{0};
};

}  // namespace ferrite::storage::index
