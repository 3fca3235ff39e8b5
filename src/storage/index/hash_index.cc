#include "storage/index/hash_index.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <thread>

namespace ferrite::storage::index {
namespace {

HashBucket* AllocateBuckets(uint64_t n) {
  void* p = std::aligned_alloc(64, n * sizeof(HashBucket));
  if (p == nullptr) std::abort();  // OOM is fatal (style.md)
  std::memset(p, 0, n * sizeof(HashBucket));
  return static_cast<HashBucket*>(p);
}

// The main table comes from mmap: zero pages are mapped lazily, so a large index costs RSS only
// as keys arrive (it is still counted in full against max_memory). Random probes miss the TLB
// on every lookup; transparent huge pages, where the kernel allows them, cut that cost.
HashBucket* MapTable(uint64_t n) {
  void* p = ::mmap(nullptr, n * sizeof(HashBucket), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) std::abort();  // startup: OOM is fatal
  if (n * sizeof(HashBucket) >= (2u << 20)) ::madvise(p, n * sizeof(HashBucket), MADV_HUGEPAGE);
  return static_cast<HashBucket*>(p);
}

}  // namespace

HashIndex::HashIndex(uint64_t buckets)
    : num_buckets_(buckets),
      table_(MapTable(buckets)),
      chunks_(new std::atomic<HashBucket*>[kMaxChunks]) {
  for (uint64_t i = 0; i < kMaxChunks; ++i) chunks_[i].store(nullptr, std::memory_order_relaxed);
}

HashIndex::~HashIndex() {
  ::munmap(table_, num_buckets_ * sizeof(HashBucket));
  for (uint64_t i = 0; i < kMaxChunks; ++i) std::free(chunks_[i].load());
}

HashBucket* HashIndex::Overflow(uint64_t word) const {
  uint64_t id = word - 1;
  HashBucket* chunk = chunks_[id / kChunkBuckets].load(std::memory_order_acquire);
  return &chunk[id % kChunkBuckets];
}

uint64_t HashIndex::AllocateOverflow() {
  uint64_t id = next_overflow_.fetch_add(1, std::memory_order_acq_rel);
  uint64_t c = id / kChunkBuckets;
  if (c >= kMaxChunks) std::abort();  // 4 billion overflow buckets: the process is out of memory
  if (chunks_[c].load(std::memory_order_acquire) == nullptr) {
    HashBucket* fresh = AllocateBuckets(kChunkBuckets);
    HashBucket* expected = nullptr;
    if (chunks_[c].compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) {
      chunks_allocated_.fetch_add(1, std::memory_order_relaxed);
    } else {
      std::free(fresh);
    }
  }
  return id + 1;
}

EntrySlot HashIndex::Find(uint64_t hash) const {
  uint16_t tag = TagOf(hash);
  HashBucket* b = &table_[BucketOf(hash)];
  for (;;) {
    for (auto& slot : b->entries) {
      uint64_t e = slot.load(std::memory_order_acquire);
      if (e != 0 && !EntryTentative(e) && EntryTag(e) == tag) return {&slot, e};
    }
    uint64_t next = b->overflow.load(std::memory_order_acquire);
    if (next == 0) return {};
    b = Overflow(next);
  }
}

bool HashIndex::HasOtherWithTag(HashBucket* b, uint16_t tag, std::atomic<uint64_t>* mine) const {
  for (;;) {
    for (auto& slot : b->entries) {
      if (&slot == mine) continue;
      uint64_t e = slot.load(std::memory_order_acquire);
      if (e != 0 && EntryTag(e) == tag) return true;
    }
    uint64_t next = b->overflow.load(std::memory_order_acquire);
    if (next == 0) return false;
    b = Overflow(next);
  }
}

EntrySlot HashIndex::FindOrCreate(uint64_t hash, uint64_t begin_address) {
  uint16_t tag = TagOf(hash);
  HashBucket* const head = &table_[BucketOf(hash)];
  for (;;) {
    std::atomic<uint64_t>* free_slot = nullptr;
    uint64_t free_word = 0;
    bool saw_tentative = false;
    HashBucket* b = head;
    for (;;) {
      for (auto& slot : b->entries) {
        uint64_t e = slot.load(std::memory_order_acquire);
        if (e != 0 && EntryTag(e) == tag) {
          if (!EntryTentative(e)) return {&slot, e};
          saw_tentative = true;
        } else if (free_slot == nullptr && !EntryTentative(e) &&
                   (e == 0 || (EntryAddress(e) != 0 && EntryAddress(e) < begin_address))) {
          free_slot = &slot;
          free_word = e;
        }
      }
      uint64_t next = b->overflow.load(std::memory_order_acquire);
      if (next == 0) break;
      b = Overflow(next);
    }
    if (saw_tentative) {
      // Another thread is installing this tag right now; its entry appears in a moment.
      std::this_thread::yield();
      continue;
    }
    if (free_slot == nullptr) {
      uint64_t expected = 0;
      uint64_t id = AllocateOverflow();
      // On failure another thread linked a bucket first; ours stays unused in the pool.
      b->overflow.compare_exchange_strong(expected, id, std::memory_order_acq_rel);
      continue;
    }
    uint64_t tentative = MakeEntry(tag, 0, /*tentative=*/true);
    if (!free_slot->compare_exchange_strong(free_word, tentative, std::memory_order_acq_rel)) {
      continue;
    }
    if (HasOtherWithTag(head, tag, free_slot)) {
      free_slot->store(0, std::memory_order_release);
      std::this_thread::yield();
      continue;
    }
    uint64_t final_word = MakeEntry(tag, 0);
    free_slot->store(final_word, std::memory_order_release);
    return {free_slot, final_word};
  }
}

void HashIndex::ForEachEntry(uint64_t bi,
                             FunctionRef<void(std::atomic<uint64_t>& slot, uint64_t e)> fn) {
  HashBucket* b = &table_[bi];
  for (;;) {
    for (auto& slot : b->entries) {
      uint64_t e = slot.load(std::memory_order_acquire);
      if (e != 0 && !EntryTentative(e)) fn(slot, e);
    }
    uint64_t next = b->overflow.load(std::memory_order_acquire);
    if (next == 0) return;
    b = Overflow(next);
  }
}

void HashIndex::Clear() {
  auto clear_bucket = [](HashBucket& b) {
    for (auto& slot : b.entries) {
      uint64_t e = slot.load(std::memory_order_acquire);
      // A tentative word belongs to an inserter mid-protocol; it finishes or withdraws itself.
      while (e != 0 && !EntryTentative(e) &&
             !slot.compare_exchange_weak(e, 0, std::memory_order_acq_rel)) {
      }
    }
  };
  for (uint64_t i = 0; i < num_buckets_; ++i) clear_bucket(table_[i]);
  uint64_t n = next_overflow_.load(std::memory_order_acquire);
  for (uint64_t id = 1; id <= n; ++id) {
    HashBucket* chunk = chunks_[(id - 1) / kChunkBuckets].load(std::memory_order_acquire);
    if (chunk != nullptr) clear_bucket(chunk[(id - 1) % kChunkBuckets]);
  }
}

uint64_t HashIndex::MemoryBytes() const {
  return num_buckets_ * sizeof(HashBucket) +
         chunks_allocated_.load(std::memory_order_relaxed) * kChunkBuckets * sizeof(HashBucket) +
         kMaxChunks * sizeof(std::atomic<HashBucket*>);
}

}  // namespace ferrite::storage::index
