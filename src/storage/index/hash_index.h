#pragma once
// HashIndex: FASTER's latch-free hash index from (bucket, tag) to the newest log address of a
// chain of records. A lookup compares full keys along the chain, so a tag collision costs a
// longer walk, never a wrong answer.
//
// The main table has a power-of-two number of cache-line buckets; when a bucket's seven slots
// are used, overflow buckets are linked from the table's pool (a CAS on the overflow word;
// nobody waits). When overflow buckets pass a quarter of the main table, the store's worker
// grows the index (FASTER's GrowIndex) while the server runs:
//   1. StartGrow allocates a table of twice the buckets and publishes a generation that names
//      both tables. From then on every access first makes sure its old bucket's chunk
//      (kMigrationChunk buckets) has been migrated, migrating it itself if nobody has claimed
//      it, or waiting for that one chunk if another thread is migrating it.
//   2. Migrating a chunk freezes every old entry and overflow word with fetch_or(moved bit) and
//      splits each chain between the two new buckets (b and b + old size) by walking its
//      in-memory records (ChainResolver gives each record's hash). A chain that continues on
//      disk keeps its on-disk remainder in both halves: walks compare keys, so the extra records
//      cost length, never correctness. A thread still working on the old table (it loaded the
//      old generation) finds its CAS failing on the frozen word and retries from the new one.
//   3. MigrateOneChunk migrates chunks in the background (the worker); once all are done,
//      FinishGrow publishes the new table alone and frees the old table with an epoch action,
//      when no thread can still see it.
//
// Inserting a new tag is latch-free (FASTER's FindOrCreateEntry): a thread CASes a tentative
// entry into a free slot, then scans the bucket chain for another entry with the same tag; if
// it finds one it withdraws and retries, otherwise it CASes the tentative bit away. Two threads
// can therefore never both install the same tag. A growth freezes tentative entries without
// copying them; their inserters retry in the new table.
//
// Buckets only split (b -> b, b + size), never merge or move down, so a scan that visits bucket
// indices in ascending order and re-reads num_buckets() sees every key present throughout. A
// chain may hold records of the other half of its split: a walker that attributes records to a
// bucket must check BucketOf(record hash).
//
// Thread safety: every method is safe from any thread; Find, FindOrCreate, ForEachEntry, Clear
// and MigrateOneChunk REQUIRE the caller to be protected by the epoch given at construction, and
// the returned slot is valid only while the caller stays protected (a later growth may free it).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/function_ref.h"
#include "storage/epoch/light_epoch.h"
#include "storage/index/hash_bucket.h"
#include "storage/index/overflow_pool.h"

namespace ferrite::storage::index {

// A located entry: the slot and the word seen in it. `slot` is null when the tag is absent.
struct EntrySlot {
  std::atomic<uint64_t>* slot = nullptr;
  uint64_t entry = 0;
  uint64_t address() const { return EntryAddress(entry); }
};

// What the index needs from the log to split chains when it grows.
class ChainResolver {
 public:
  enum class Where : uint8_t {
    kInMemory,  // *hash and *prev are set
    kOnDisk,    // below the in-memory part: unknown without I/O
    kGone,      // below the log's begin address: the rest of the chain is dead
  };
  virtual ~ChainResolver() = default;
  // The key hash and previous address of the record at `address`. REQUIRES: protected.
  virtual Where Resolve(uint64_t address, uint64_t* hash, uint64_t* prev) const = 0;
};

class HashIndex {
 public:
  // Buckets migrated together: small enough that a command thread helping a growth stays in
  // the microseconds.
  static constexpr uint64_t kMigrationChunk = 256;

  // REQUIRES: `buckets` is a power of two; `epoch` and `resolver` outlive the index.
  HashIndex(uint64_t buckets, epoch::LightEpoch* epoch, const ChainResolver* resolver);
  ~HashIndex();
  HashIndex(const HashIndex&) = delete;
  HashIndex& operator=(const HashIndex&) = delete;

  // The non-tentative entry for `hash`'s tag, or a null slot.
  EntrySlot Find(uint64_t hash);
  // The entry for `hash`'s tag, inserting one with address 0 if absent. Slots holding an address
  // below `begin_address` (a truncated chain) are reused for other tags.
  EntrySlot FindOrCreate(uint64_t hash, uint64_t begin_address);

  // Main buckets of the current table (the larger one as soon as a growth starts).
  uint64_t num_buckets() const { return gen_.load(std::memory_order_acquire)->size; }
  uint64_t BucketOf(uint64_t hash) const { return hash & (num_buckets() - 1); }
  // Calls `fn` for every non-tentative, non-free entry of main bucket `b` (< num_buckets()) and
  // its overflow, with the moved bit cleared. `slot` is for identity only.
  void ForEachEntry(uint64_t b, FunctionRef<void(std::atomic<uint64_t>& slot, uint64_t e)> fn);
  // Empties every slot of the current table (after finishing a migration in progress);
  // concurrent CASes on old words fail and their callers retry. Entries a concurrent growth
  // copies meanwhile may survive: FlushAll moves BeginAddress first, so they read as free.
  void Clear();

  // Table, overflow and directory bytes of every table alive (two during a growth).
  uint64_t MemoryBytes() const { return bytes_.load(std::memory_order_relaxed); }
  uint64_t overflow_buckets() const;

  // --- growth (the store's worker) ----------------------------------------------------------
  // True when overflow buckets exceed a quarter of the main table and no growth is under way.
  bool ShouldGrow() const;
  // Bytes StartGrow would add: the doubled table and its pool's directory.
  uint64_t GrowthBytes() const;
  // Publishes the doubled table. False if a growth or the previous table's release is pending.
  bool StartGrow();
  // Migrates one unclaimed chunk; false when none is left to claim. REQUIRES: protected.
  bool MigrateOneChunk();
  // Once every chunk is migrated: publishes the new table alone and frees the old one through
  // the epoch. Returns true when no growth remains in progress.
  bool FinishGrow();
  bool growing() const { return gen_.load(std::memory_order_acquire)->old != nullptr; }
  uint64_t grows() const { return grows_.load(std::memory_order_relaxed); }

 private:
  struct Table;
  struct Migration;
  // What every access reads first: immutable once published, freed through the epoch.
  struct Generation {
    HashBucket* buckets;
    uint64_t size;
    OverflowPool* pool;
    Table* table;
    Table* old = nullptr;  // the table being migrated from, while growing
    Migration* migration = nullptr;
  };

  // The current generation, with the chunk of `hash_or_bucket` (a hash or a new-table bucket:
  // both map to their old bucket by its low bits) migrated if a growth is under way.
  Generation* Enter(uint64_t hash_or_bucket);
  void EnsureChunk(Generation* g, uint64_t chunk);
  void MigrateChunk(Generation* g, uint64_t chunk);
  // Splits the chain at `address` of old bucket `old_bucket` between new buckets old_bucket
  // (*low) and old_bucket + new_size / 2 (*high): the newest record of each, the on-disk
  // remainder when none is in memory, or 0.
  void SplitChain(uint64_t address, uint64_t old_bucket, uint64_t new_size, uint64_t* low,
                  uint64_t* high) const;
  // Another entry with `tag` (or a frozen word: the caller restarts) in the chain from `b`.
  bool HasOtherWithTag(const Generation* g, HashBucket* b, uint16_t tag,
                       std::atomic<uint64_t>* mine) const;
  Table* NewTable(uint64_t buckets);
  void FreeTable(Table* t);
  void Publish(Generation* g);

  epoch::LightEpoch* epoch_;
  const ChainResolver* resolver_;
  std::atomic<Generation*> gen_;
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> grows_{0};
  std::atomic<uint32_t> retiring_{0};  // epoch actions that will free a generation or table
};

}  // namespace ferrite::storage::index
