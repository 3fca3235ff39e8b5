#include "storage/index/hash_index.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace ferrite::storage::index {
namespace {

// The main table comes from mmap: zero pages are mapped lazily, so a large index costs RSS only
// as keys arrive (it is still counted in full against max_memory). Random probes miss the TLB
// on every lookup; transparent huge pages, where the kernel allows them, cut that cost.
HashBucket* MapTable(uint64_t n) {
  void* p = ::mmap(nullptr, n * sizeof(HashBucket), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) std::abort();  // OOM is fatal (style.md)
  if (n * sizeof(HashBucket) >= (2u << 20)) ::madvise(p, n * sizeof(HashBucket), MADV_HUGEPAGE);
  return static_cast<HashBucket*>(p);
}

constexpr uint8_t kPending = 0;
constexpr uint8_t kClaimed = 1;
constexpr uint8_t kDone = 2;

// Fills one new bucket chain during a migration; nobody else touches it until the chunk is done.
struct ChainAppender {
  HashBucket* bucket;
  OverflowPool* pool;
  std::atomic<uint64_t>* bytes;
  int used = 0;
  void Add(uint64_t entry) {
    if (used == kEntriesPerBucket) {
      const uint64_t id = pool->Allocate(bytes);
      bucket->overflow.store(id, std::memory_order_relaxed);
      bucket = pool->At(id);
      used = 0;
    }
    bucket->entries[used++].store(entry, std::memory_order_relaxed);
  }
};

}  // namespace

struct HashIndex::Table {
  HashBucket* buckets;
  uint64_t size;
  OverflowPool pool;
};

struct HashIndex::Migration {
  explicit Migration(uint64_t n) : chunks(n), state(new std::atomic<uint8_t>[n]) {
    for (uint64_t i = 0; i < n; ++i) state[i].store(kPending, std::memory_order_relaxed);
  }
  const uint64_t chunks;
  std::unique_ptr<std::atomic<uint8_t>[]> state;  // kPending -> kClaimed -> kDone
  std::atomic<uint64_t> next_claim{0};            // the background migrator's cursor
  std::atomic<uint64_t> done{0};
};

HashIndex::HashIndex(uint64_t buckets, epoch::LightEpoch* epoch, const ChainResolver* resolver)
    : epoch_(epoch), resolver_(resolver) {
  Table* t = NewTable(buckets);
  gen_.store(new Generation{t->buckets, t->size, &t->pool, t}, std::memory_order_release);
}

HashIndex::~HashIndex() {
  // Retire actions still queued free tables through `this`: run them while it exists.
  if (retiring_.load(std::memory_order_acquire) != 0) epoch_->DrainAll();
  Generation* g = gen_.load(std::memory_order_acquire);
  if (g->old != nullptr) FreeTable(g->old);
  delete g->migration;
  FreeTable(g->table);
  delete g;
}

HashIndex::Table* HashIndex::NewTable(uint64_t buckets) {
  bytes_.fetch_add(buckets * sizeof(HashBucket) + OverflowPool::kDirectoryBytes,
                   std::memory_order_relaxed);
  return new Table{MapTable(buckets), buckets, {}};
}

void HashIndex::FreeTable(Table* t) {
  bytes_.fetch_sub(t->size * sizeof(HashBucket) + t->pool.MemoryBytes(), std::memory_order_relaxed);
  ::munmap(t->buckets, t->size * sizeof(HashBucket));
  delete t;
}

void HashIndex::Publish(Generation* g) {
  Generation* prior = gen_.exchange(g, std::memory_order_acq_rel);
  retiring_.fetch_add(1, std::memory_order_acq_rel);
  // A thread protected before the exchange may still read `prior`.
  epoch_->BumpEpoch([this, prior] {
    delete prior;
    retiring_.fetch_sub(1, std::memory_order_acq_rel);
  });
}

HashIndex::Generation* HashIndex::Enter(uint64_t hash_or_bucket) {
  Generation* g = gen_.load(std::memory_order_acquire);
  if (g->migration != nullptr) [[unlikely]] {
    EnsureChunk(g, (hash_or_bucket & (g->size / 2 - 1)) / kMigrationChunk);
  }
  return g;
}

void HashIndex::EnsureChunk(Generation* g, uint64_t chunk) {
  std::atomic<uint8_t>& state = g->migration->state[chunk];
  uint8_t s = state.load(std::memory_order_acquire);
  if (s == kDone) return;
  if (s == kPending && state.compare_exchange_strong(s, kClaimed, std::memory_order_acq_rel)) {
    MigrateChunk(g, chunk);
    return;
  }
  // Another thread is migrating this chunk: a bounded, lock-free walk of kMigrationChunk chains.
  while (state.load(std::memory_order_acquire) != kDone) std::this_thread::yield();
}

void HashIndex::SplitChain(uint64_t address, uint64_t old_bucket, uint64_t new_size, uint64_t* low,
                           uint64_t* high) const {
  *low = 0;
  *high = 0;
  bool have_low = false, have_high = false;
  for (uint64_t a = address; a != 0 && !(have_low && have_high);) {
    uint64_t hash = 0, prev = 0;
    switch (resolver_->Resolve(a, &hash, &prev)) {
      case ChainResolver::Where::kInMemory: {
        // A chain split before may still run through records of the other half: skip them.
        const uint64_t b = hash & (new_size - 1);
        if (b == old_bucket) {
          if (!have_low) *low = a, have_low = true;
        } else if (b == old_bucket + new_size / 2) {
          if (!have_high) *high = a, have_high = true;
        }
        a = prev;
        break;
      }
      case ChainResolver::Where::kOnDisk:
        // Which half the on-disk records belong to is unknown without I/O: both keep them.
        if (!have_low) *low = a;
        if (!have_high) *high = a;
        return;
      case ChainResolver::Where::kGone:
        return;
    }
  }
}

void HashIndex::MigrateChunk(Generation* g, uint64_t chunk) {
  const uint64_t old_size = g->size / 2;
  const uint64_t first = chunk * kMigrationChunk;
  const uint64_t last = std::min(first + kMigrationChunk, old_size);
  for (uint64_t i = first; i < last; ++i) {
    ChainAppender low{&g->buckets[i], g->pool, &bytes_};
    ChainAppender high{&g->buckets[i + old_size], g->pool, &bytes_};
    HashBucket* b = &g->old->buckets[i];
    for (;;) {
      for (auto& slot : b->entries) {
        // Frozen from here on: a late CAS on the old word fails and its caller retries here.
        const uint64_t e = slot.fetch_or(kMovedBit, std::memory_order_acq_rel);
        // Free, tentative (its inserter retries) and empty (address 0) entries are not copied.
        if (e == 0 || EntryTentative(e) || EntryAddress(e) == 0) continue;
        uint64_t lo = 0, hi = 0;
        SplitChain(EntryAddress(e), i, g->size, &lo, &hi);
        if (lo != 0) low.Add(MakeEntry(EntryTag(e), lo));
        if (hi != 0) high.Add(MakeEntry(EntryTag(e), hi));
      }
      const uint64_t next = b->overflow.fetch_or(kLinkMovedBit, std::memory_order_acq_rel);
      if (next == 0) break;
      b = g->old->pool.At(next);
    }
  }
  g->migration->state[chunk].store(kDone, std::memory_order_release);
  g->migration->done.fetch_add(1, std::memory_order_acq_rel);
}

EntrySlot HashIndex::Find(uint64_t hash) {
  const uint16_t tag = TagOf(hash);
  for (;;) {
    Generation* g = Enter(hash);
    HashBucket* b = &g->buckets[hash & (g->size - 1)];
    bool moved = false;
    while (!moved) {
      for (auto& slot : b->entries) {
        const uint64_t e = slot.load(std::memory_order_acquire);
        if (e != 0 && (e & (kTentativeBit | kMovedBit)) == 0 && EntryTag(e) == tag) {
          return {&slot, e};
        }
        moved |= EntryMoved(e);
      }
      const uint64_t next = b->overflow.load(std::memory_order_acquire);
      if (moved || (next & kLinkMovedBit) != 0) break;  // a growth began: use the new table
      if (next == 0) return {};
      b = g->pool->At(next);
    }
  }
}

bool HashIndex::HasOtherWithTag(const Generation* g, HashBucket* b, uint16_t tag,
                                std::atomic<uint64_t>* mine) const {
  for (;;) {
    for (auto& slot : b->entries) {
      if (&slot == mine) continue;
      const uint64_t e = slot.load(std::memory_order_acquire);
      if (EntryMoved(e) || (e != 0 && EntryTag(e) == tag)) return true;
    }
    const uint64_t next = b->overflow.load(std::memory_order_acquire);
    if ((next & kLinkMovedBit) != 0) return true;
    if (next == 0) return false;
    b = g->pool->At(next);
  }
}

EntrySlot HashIndex::FindOrCreate(uint64_t hash, uint64_t begin_address) {
  const uint16_t tag = TagOf(hash);
  for (;;) {
    Generation* g = Enter(hash);
    HashBucket* const head = &g->buckets[hash & (g->size - 1)];
    std::atomic<uint64_t>* free_slot = nullptr;
    uint64_t free_word = 0;
    bool saw_tentative = false;
    bool moved = false;
    HashBucket* b = head;
    for (;;) {
      for (auto& slot : b->entries) {
        const uint64_t e = slot.load(std::memory_order_acquire);
        if (EntryMoved(e)) {
          moved = true;
        } else if (e != 0 && EntryTag(e) == tag) {
          if (!EntryTentative(e)) return {&slot, e};
          saw_tentative = true;
        } else if (free_slot == nullptr && !EntryTentative(e) &&
                   (e == 0 || (EntryAddress(e) != 0 && EntryAddress(e) < begin_address))) {
          free_slot = &slot;
          free_word = e;
        }
      }
      const uint64_t next = b->overflow.load(std::memory_order_acquire);
      moved |= (next & kLinkMovedBit) != 0;
      if (moved || next == 0) break;
      b = g->pool->At(next);
    }
    if (moved) continue;  // a growth began: retry in the new table
    if (saw_tentative) {
      // Another thread is installing this tag right now; its entry appears in a moment.
      std::this_thread::yield();
      continue;
    }
    if (free_slot == nullptr) {
      uint64_t expected = 0;
      const uint64_t id = g->pool->Allocate(&bytes_);
      // On failure another thread linked a bucket first (or a growth froze the word); ours
      // stays unused in the pool.
      b->overflow.compare_exchange_strong(expected, id, std::memory_order_acq_rel);
      continue;
    }
    const uint64_t tentative = MakeEntry(tag, 0, /*tentative=*/true);
    if (!free_slot->compare_exchange_strong(free_word, tentative, std::memory_order_acq_rel)) {
      continue;
    }
    if (HasOtherWithTag(g, head, tag, free_slot)) {
      uint64_t mine = tentative;
      // Fails only when a growth froze the word, which then drops it.
      free_slot->compare_exchange_strong(mine, 0, std::memory_order_acq_rel);
      std::this_thread::yield();
      continue;
    }
    const uint64_t final_word = MakeEntry(tag, 0);
    uint64_t mine = tentative;
    if (!free_slot->compare_exchange_strong(mine, final_word, std::memory_order_acq_rel)) {
      continue;  // frozen by a growth before it became visible: insert into the new table
    }
    return {free_slot, final_word};
  }
}

void HashIndex::ForEachEntry(uint64_t bi,
                             FunctionRef<void(std::atomic<uint64_t>& slot, uint64_t e)> fn) {
  Generation* g = Enter(bi);
  if (bi >= g->size) return;
  // A growth starting meanwhile freezes words but keeps their values: this walk reports the
  // bucket as it was when frozen, which holds every key present throughout.
  HashBucket* b = &g->buckets[bi];
  for (;;) {
    for (auto& slot : b->entries) {
      const uint64_t e = slot.load(std::memory_order_acquire) & ~kMovedBit;
      if (e != 0 && !EntryTentative(e)) fn(slot, e);
    }
    const uint64_t next = b->overflow.load(std::memory_order_acquire) & ~kLinkMovedBit;
    if (next == 0) return;
    b = g->pool->At(next);
  }
}

void HashIndex::Clear() {
  Generation* g = gen_.load(std::memory_order_acquire);
  if (g->migration != nullptr) {
    for (uint64_t c = 0; c < g->migration->chunks; ++c) EnsureChunk(g, c);
  }
  for (uint64_t i = 0; i < g->size; ++i) {
    for (HashBucket* b = &g->buckets[i];;) {
      for (auto& slot : b->entries) {
        uint64_t e = slot.load(std::memory_order_acquire);
        // A tentative word belongs to an inserter mid-protocol; it finishes or withdraws itself.
        while (e != 0 && (e & (kTentativeBit | kMovedBit)) == 0 &&
               !slot.compare_exchange_weak(e, 0, std::memory_order_acq_rel)) {
        }
      }
      const uint64_t next = b->overflow.load(std::memory_order_acquire) & ~kLinkMovedBit;
      if (next == 0) break;
      b = g->pool->At(next);
    }
  }
}

uint64_t HashIndex::overflow_buckets() const {
  return gen_.load(std::memory_order_acquire)->pool->used();
}

bool HashIndex::ShouldGrow() const {
  const Generation* g = gen_.load(std::memory_order_acquire);
  return g->old == nullptr && retiring_.load(std::memory_order_acquire) == 0 &&
         g->pool->used() * 4 > g->size;
}

uint64_t HashIndex::GrowthBytes() const {
  return 2 * num_buckets() * sizeof(HashBucket) + OverflowPool::kDirectoryBytes;
}

bool HashIndex::StartGrow() {
  Generation* g = gen_.load(std::memory_order_acquire);
  if (g->old != nullptr || retiring_.load(std::memory_order_acquire) != 0) return false;
  Table* t = NewTable(g->size * 2);
  auto* m = new Migration((g->size + kMigrationChunk - 1) / kMigrationChunk);
  Publish(new Generation{t->buckets, t->size, &t->pool, t, g->table, m});
  return true;
}

bool HashIndex::MigrateOneChunk() {
  Generation* g = gen_.load(std::memory_order_acquire);
  Migration* m = g->migration;
  if (m == nullptr) return false;
  for (;;) {
    const uint64_t c = m->next_claim.fetch_add(1, std::memory_order_relaxed);
    if (c >= m->chunks) return false;
    uint8_t s = kPending;
    if (m->state[c].compare_exchange_strong(s, kClaimed, std::memory_order_acq_rel)) {
      MigrateChunk(g, c);
      return true;
    }
  }
}

bool HashIndex::FinishGrow() {
  Generation* g = gen_.load(std::memory_order_acquire);
  if (g->migration == nullptr) return true;
  // Chunks claimed by command threads may still be in flight.
  if (g->migration->done.load(std::memory_order_acquire) < g->migration->chunks) return false;
  Table* old = g->old;
  Migration* m = g->migration;
  retiring_.fetch_add(1, std::memory_order_acq_rel);
  Publish(new Generation{g->buckets, g->size, g->pool, g->table});
  // Registered after Publish's action, so it runs no earlier: no thread can reach `old` then.
  epoch_->BumpEpoch([this, old, m] {
    FreeTable(old);
    delete m;
    retiring_.fetch_sub(1, std::memory_order_acq_rel);
  });
  grows_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace ferrite::storage::index
