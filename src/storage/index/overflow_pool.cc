#include "storage/index/overflow_pool.h"

#include <cstdlib>
#include <cstring>

namespace ferrite::storage::index {

OverflowPool::OverflowPool() : chunks_(new std::atomic<HashBucket*>[kMaxChunks]) {
  for (uint64_t i = 0; i < kMaxChunks; ++i) chunks_[i].store(nullptr, std::memory_order_relaxed);
}

OverflowPool::~OverflowPool() {
  for (uint64_t i = 0; i < kMaxChunks; ++i) std::free(chunks_[i].load());
}

uint64_t OverflowPool::Allocate(std::atomic<uint64_t>* bytes) {
  const uint64_t i = next_.fetch_add(1, std::memory_order_acq_rel);
  const uint64_t c = i / kChunkBuckets;
  if (c >= kMaxChunks) std::abort();  // 64 Mi overflow buckets: the process is out of memory
  if (chunks_[c].load(std::memory_order_acquire) == nullptr) {
    void* p = std::aligned_alloc(64, kChunkBuckets * sizeof(HashBucket));
    if (p == nullptr) std::abort();  // OOM is fatal (style.md)
    std::memset(p, 0, kChunkBuckets * sizeof(HashBucket));
    HashBucket* expected = nullptr;
    if (chunks_[c].compare_exchange_strong(expected, static_cast<HashBucket*>(p),
                                           std::memory_order_acq_rel)) {
      chunks_allocated_.fetch_add(1, std::memory_order_relaxed);
      bytes->fetch_add(kChunkBuckets * sizeof(HashBucket), std::memory_order_relaxed);
    } else {
      std::free(p);
    }
  }
  return i + 1;
}

}  // namespace ferrite::storage::index
