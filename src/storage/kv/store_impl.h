#pragma once
// Internals of the HybridLog store (hlog/hybrid_log_store.h): HybridLogStore owns the index,
// the log, the epoch and the I/O worker; HybridLogSession runs the operations, one per file
// (read.cc, upsert.cc, rmw.cc, delete.cc, pending.cc, scan.cc), sharing the chain walk in
// find.cc. The worker (worker.cc) flushes, evicts, completes disk reads and compacts
// (compaction.cc).
//
// Per-key safety without locks on the index (docs/design/hybridlog.md, "Concurrency"):
//   - a new record is published by CAS on its index entry, whose expected value is the word
//     seen when the chain was walked, so any concurrent publication on that entry forces a retry;
//   - a record at or above ReadOnlyAddress is updated in place under its exclusive lock;
//   - a record in [SafeReadOnlyAddress, Tail) is read under its shared lock and, when copied
//     forward, locked exclusively and sealed once the copy is published, so a thread that saw
//     the old ReadOnlyAddress (the fuzzy region) can never update a superseded record;
//   - below SafeReadOnlyAddress records are immutable and read without locks.
//
// Thread safety: HybridLogStore methods from any thread; a session from one thread at a time.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/epoch/light_epoch.h"
#include "storage/hlog/hybrid_log.h"
#include "storage/hlog/hybrid_log_store.h"
#include "storage/index/hash_index.h"

namespace ferrite::storage::kv {

using hlog::Address;
using hlog::LogRecord;

class HybridLogStore;
struct DiskRequest;

// Per-session counters: written by the owning thread only (relaxed load + store), summed by
// Stats(). Indexed by the session's epoch slot and never reset, so counts survive sessions.
struct alignas(64) SessionCounters {
  std::atomic<uint64_t> reads_mutable{0};
  std::atomic<uint64_t> reads_read_only{0};
  std::atomic<uint64_t> reads_disk{0};
  std::atomic<uint64_t> read_misses{0};
  std::atomic<uint64_t> expired{0};
  std::atomic<uint64_t> upserts{0};
  std::atomic<uint64_t> in_place_updates{0};
  std::atomic<uint64_t> copy_updates{0};
  std::atomic<int64_t> live_bytes{0};

  static void Add(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  static void AddSigned(std::atomic<int64_t>& c, int64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

// Outcome of a chain walk for one key.
enum class Found : uint8_t { kInMemory, kAbsent, kOnDisk };

struct FindResult {
  index::EntrySlot entry;  // slot and word seen; slot null when the tag has no entry
  Address address = 0;     // the key's newest record when kInMemory
  LogRecord* record = nullptr;
  Address disk_address = 0;  // when kOnDisk: first on-disk address of the chain
};

// What a record says about its key, read consistently (under the shared lock when needed).
struct KeyState {
  bool present = false;  // a non-tombstone record exists (counted by KeyCount)
  bool expired = false;  // present but its expiry has passed
  int64_t expire_at_ms = kNoExpiry;
  uint64_t size = 0;  // record bytes, for live-byte accounting
  bool live() const { return present && !expired; }
};

// The outcome of one finished disk read, for the session that asked (matched by key hash):
//   kPending   the record was copied to the tail: the next Read reports it as a disk read
//   kOk        the tail had no room (writes are blocked): `record` holds the on-disk record,
//              served once by the next Read (reads keep working when memory and disk are full)
//   kNotFound  the same, for a key found absent
//   kCorruption / kIoError   the read failed; reported once
struct InboxResult {
  uint64_t hash = 0;
  StatusCode code = StatusCode::kOk;
  std::string record;
  std::unique_ptr<StoredObject> object;  // the record's collection, rebuilt from the object log
};

struct SessionInbox {
  std::mutex mu;
  std::vector<InboxResult> results;  // GUARDED_BY(mu)
  std::atomic<bool> nonempty{false};
};

class HybridLogSession final : public StoreSession {
 public:
  explicit HybridLogSession(HybridLogStore* store, bool internal = false);
  ~HybridLogSession() override;

  Status Read(DbIndex db, std::string_view key, RecordReader reader) override;
  Status Upsert(DbIndex db, std::string_view key, const RecordBuilder& record) override;
  Status Rmw(DbIndex db, std::string_view key, RmwFunctions& fns) override;
  Status Delete(DbIndex db, std::string_view key) override;
  bool EnsureResident(DbIndex db, std::span<const std::string_view> keys,
                      ResidencyWaiter* waiter) override;
  uint64_t Scan(DbIndex db, uint64_t cursor, size_t count, ScanCallback fn) override;
  Status ScanStorageOrder(StorageOrderBatch batch) override;  // scan.cc
  bool IsCurrentVersion(const StorageOrderItem& item) override;
  Result<std::string> RandomKey(DbIndex db) override;
  void Protect() override;
  void Unprotect() override;

  // --- shared by the operation files and the worker --------------------------------------
  Found Find(uint32_t phys, std::string_view key, uint64_t hash, bool create, FindResult* out);
  // Reads `rec`'s state; `locked` says whether the caller holds a lock on it.
  KeyState StateOf(const LogRecord& rec, int64_t now) const;
  // Same, reading the clock only when the record has an expiry (the clock is a std::function
  // and a vDSO call: too dear for every read).
  KeyState StateOf(const LogRecord& rec) const;
  // Allocates and initialises a record at the tail (value copied from `value`); returns 0 and
  // sets *status when it cannot (Pending-like retry is handled inside unless `no_wait`).
  Address AppendRecord(uint32_t phys, std::string_view key, std::string_view value, ValueType type,
                       int64_t expire, Address prev, bool tombstone, Status* status, bool* retry,
                       uint32_t min_capacity = 0);
  // Same for a collection record whose slot holds (and charges) `object`. The record owns the
  // object once the caller publishes it; if the CAS fails the caller calls UnpublishedObject,
  // which empties the slot so the page never frees it.
  Address AppendObjectRecord(uint32_t phys, std::string_view key, StoredObject* object,
                             ValueType type, int64_t expire, Address prev, Status* status,
                             bool* retry);
  // Takes the object back from a record whose CAS failed. True when the caller owns it again;
  // false when a concurrent FlushDb detached it (it will be freed through the epoch: the caller
  // must release it without deleting it).
  bool UnpublishedObject(LogRecord& rec);
  // Removes an expired key found by a reader (lazy expiry). Best effort: races are harmless.
  void ReapExpired(DbIndex db, std::string_view key);
  // Scans one main bucket (and its overflow) for live keys of `phys`. With `objects` false the
  // views of collection records read from disk carry no object (the caller wants keys only).
  void ScanBucket(uint64_t bucket, uint32_t phys, ScanCallback fn, size_t* emitted,
                  bool objects = true);
  // Whether `rec` belongs to main bucket `bucket` of the index now. A chain split by an index
  // growth may still run through records of the other half (hash_index.h): walkers that
  // attribute records to a bucket skip those.
  bool InBucket(const LogRecord& rec, uint64_t bucket) const;
  // The first record of (`phys`, `key`) in its chain below address `below`, or 0 when there is
  // none at or above `floor`; -1 (all ones) when a record could not be read. Disk records inside
  // `chunk` (read from `chunk_base`) are taken from it. REQUIRES: protected.
  Address NewestBelow(uint32_t phys, std::string_view key, Address below, Address floor,
                      Address chunk_base = 0, std::string_view chunk = {});
  // The tail, once every record below it is completely written. REQUIRES: not protected.
  Address WrittenTail();
  uint32_t slot() const { return slot_; }
  SessionCounters& counters() { return *counters_; }
  bool no_wait() const { return internal_; }
  HybridLogStore* store() const { return store_; }

 private:
  friend class OpGuard;
  HybridLogStore* store_;
  uint32_t slot_;
  bool internal_;  // the worker's own session: never waits for space
  int user_protect_depth_ = 0;
  SessionCounters* counters_;
  std::shared_ptr<SessionInbox> inbox_;
  std::string disk_buf_;  // scan reads
  std::string walk_buf_;  // NewestBelow's disk reads
};

// A writer that would add a collection object while the store is over max_memory waits for the
// worker to close pages (freeing their objects) this many times before answering OutOfMemory.
inline constexpr int kObjectBudgetAttempts = 2000;
// Waits for the object budget (see above): OK to retry, or the status to return.
Status WaitForObjectBudget(HybridLogSession* s, int attempt);

// Waits for the worker to free tail space; returns the error that blocks writes, if any.
// REQUIRES: protected, holding no record lock.
Status WaitForSpace(HybridLogSession* s, int attempt);
// Applies a key's change from `old` to (new_present, new_expire, new_size) to the counters.
void AdjustCounts(HybridLogSession* s, DbIndex db, const KeyState& old, bool new_present,
                  int64_t new_expire, uint64_t new_size);
// Takes the session's disk-read result for `hash`, if any (code kOk and empty record if none).
InboxResult TakeInboxResult(SessionInbox& inbox, uint64_t hash);

// True when `b` is written as a collection record (store.h, RecordBuilder).
inline bool BuildsObject(const RecordBuilder& b) {
  return b.object != nullptr && b.type != ValueType::kString;
}

// Protects an operation unless the caller already did (Protect()).
class OpGuard {
 public:
  explicit OpGuard(HybridLogSession* s);
  ~OpGuard();

 private:
  HybridLogSession* s_;
  bool owned_;
};

// Splits index chains for a growth: resolves in-memory records to their key hash.
class LogChainResolver final : public index::ChainResolver {
 public:
  explicit LogChainResolver(const hlog::HybridLog* log) : log_(log) {}
  Where Resolve(uint64_t address, uint64_t* hash, uint64_t* prev) const override;

 private:
  const hlog::HybridLog* log_;
};

class HybridLogStore final : public Store {
 public:
  HybridLogStore(const HybridLogOptions& options, std::shared_ptr<io::Device> device,
                 const hlog::HybridLogConfig& log_config, uint64_t index_buckets);
  ~HybridLogStore() override;

  std::unique_ptr<StoreSession> NewSession() override;
  DbIndex num_databases() const override { return options_.databases; }
  uint64_t KeyCount(DbIndex db) const override;
  uint64_t ExpiringKeyCount(DbIndex db) const override;
  Status FlushDb(DbIndex db) override;
  Status FlushAll() override;
  Status SwapDb(DbIndex a, DbIndex b) override;
  uint64_t ActiveExpireCycle(uint64_t budget_us) override;
  StoreStats Stats() const override;
  // Resizes the budget: the worker caps the in-memory log to what is left after the index,
  // fixed buffers and objects, flushing and evicting pages to disk when it shrinks. Page frames
  // stay at most the count sized at construction. InvalidArgument below MinMaxMemory().
  Status SetMaxMemory(uint64_t bytes) override;
  // The smallest budget that still leaves the index, fixed buffers and 4 page frames.
  uint64_t MinMaxMemory() const;
  uint64_t max_memory() const { return max_memory_.load(std::memory_order_relaxed); }

  // --- internals ------------------------------------------------------------------------
  struct DbCounters {
    std::atomic<int64_t> keys{0};
    std::atomic<int64_t> expiring{0};
  };
  uint32_t PhysDb(DbIndex db) const { return phys_[db].load(std::memory_order_acquire); }
  // The logical db currently mapped to `phys`, or num_databases() if none.
  DbIndex LogicalDb(uint32_t phys) const;
  DbCounters& counters(DbIndex db) { return db_counters_[db]; }
  static uint64_t HashKey(uint32_t phys, std::string_view key);
  int64_t Now() const { return options_.clock(); }

  index::HashIndex& index() { return index_; }
  hlog::HybridLog& log() { return log_; }
  epoch::LightEpoch& epoch() { return epoch_; }
  SessionCounters& counters_for_slot(uint32_t slot) { return session_counters_[slot]; }
  const HybridLogOptions& options() const { return options_; }

  // Status that blocks writes now (NoSpace / OutOfMemory / IoError), or OK.
  Status WriteBlocked() const;
  void WakeWorker();
  // Queues disk reads; the worker calls OnResident when all are done.
  void SubmitDiskRequests(std::vector<DiskRequest*> requests);
  int64_t LiveBytes() const;
  uint64_t EffectiveMemoryPages() const;
  uint64_t OverheadBytes() const;
  // Everything the engine holds in memory (StoreStats::memory_used).
  uint64_t MemoryUsed() const;
  // True while collection objects push memory_used above max_memory although the in-memory log
  // is already at its smallest frame cap (4 pages): new objects wait, and the worker evicts all
  // but the tail page. Above that cap the shrinking frame cap makes room by itself.
  bool ObjectsOverBudget() const {
    return log_.ObjectCount() != 0 && EffectiveMemoryPages() < 4 && MemoryUsed() > max_memory();
  }
  // Frees, through the epoch, the objects of in-memory records of the physical databases for
  // which `dead` is true (FlushDb / FlushAll): their bytes leave the accounting at once.
  void DetachObjects(const std::function<bool(uint32_t phys)>& dead);

  std::atomic<uint64_t> corruptions{0};
  std::atomic<uint64_t> evicted_keys{0};
  std::atomic<uint64_t> expired_background{0};  // reaped by compaction / the worker
  std::atomic<uint64_t> compactions{0};
  std::atomic<uint64_t> compacted_bytes{0};
  std::atomic<uint64_t> disk_reads_issued{0};
  std::atomic<uint64_t> pending_reads{0};

 private:
  friend struct DiskRequest;
  void WorkerLoop();
  void WorkerStep();
  void ProcessDiskRequest(DiskRequest* req);
  void IssueRead(DiskRequest* req);
  void OnReadDone(DiskRequest* req, Status st);
  bool CopyToTail(DiskRequest* req);  // false: retry later (no space yet)
  void FinishRequest(DiskRequest* req, StatusCode outcome, std::string record = {},
                     std::unique_ptr<StoredObject> object = nullptr);
  void UpdateWriteBlock(const Status& flush_status);
  // Compaction and eviction (compaction.cc). Returns true if it made progress.
  bool MaybeCompact();
  bool CompactionDue();
  bool CompactOldestSegment(int drop_mode);
  // Index growth (worker.cc): starts one when the index asks and the budget allows, migrates a
  // slice of it, finishes it. REQUIRES: the worker, protected on `slot`.
  void GrowIndexStep(uint32_t slot);

  HybridLogOptions options_;
  std::shared_ptr<io::Device> device_;
  epoch::LightEpoch epoch_;
  LogChainResolver chain_resolver_;
  index::HashIndex index_;
  hlog::HybridLog log_;
  std::unique_ptr<SessionCounters[]> session_counters_;
  std::unique_ptr<DbCounters[]> db_counters_;
  std::unique_ptr<std::atomic<uint32_t>[]> phys_;
  std::atomic<uint32_t> next_phys_;
  std::mutex admin_mu_;  // FlushDb / FlushAll / SwapDb
  std::atomic<int64_t> live_bytes_adjust_{0};
  std::atomic<uint64_t> expire_cursor_{0};
  std::atomic<uint64_t> max_memory_;

  // Worker.
  std::thread worker_;
  std::atomic<bool> stop_{false};
  std::mutex work_mu_;
  std::condition_variable work_cv_;
  std::atomic<bool> work_flag_{false};
  std::vector<DiskRequest*> incoming_;  // GUARDED_BY(work_mu_)
  std::unique_ptr<HybridLogSession> worker_session_;
  std::deque<DiskRequest*> completed_;  // worker only: reads finished, to process protected
  std::deque<DiskRequest*> deferred_;   // worker only: copies waiting for tail space
  std::atomic<int> write_block_{0};     // 0 none, 1 NoSpace, 2 OutOfMemory, 3 IoError
  Address compact_cursor_ = 0;          // worker only: progress through the oldest segment
};

// One asynchronous disk walk for one key of an EnsureResident call.
struct PendingBatch {
  ResidencyWaiter* waiter;
  std::atomic<int> remaining;
};

struct DiskRequest final : io::IoCallback {
  HybridLogStore* store;
  PendingBatch* batch;
  std::shared_ptr<SessionInbox> inbox;
  DbIndex db;
  uint32_t phys;
  uint64_t hash;
  std::string key;
  Address walk_start;  // first on-disk address of the chain when the walk began
  Address address;     // record being read
  std::string buf;
  Status status;
  // The found record's collection, read from the object log before the copy to the tail.
  std::unique_ptr<StoredObject> object;
  void OnIoComplete(Status st) override;
};

}  // namespace ferrite::storage::kv
