#pragma once
// The storage interface: the only way commands reach data.
//
// A Store holds key/value records in several logical databases. Each record carries a value type,
// an absolute expiry, and either value bytes (strings) or, for collections (hash, list, set,
// zset), an owned StoredObject (storage/object.h; docs/design/collections.md). The HybridLog
// (storage/hlog) is the engine behind it.
//
// Threads: every thread that touches the store opens one StoreSession and uses it only from that
// thread. Operations on distinct keys run concurrently from any number of sessions. Operations on
// the same key are also safe (no torn values, no corruption), but a sequence of operations is not
// atomic: the server serialises commands per key with its KeyLockTable (server/key_locks.h), so
// a handler's Read-then-Upsert is atomic with respect to other commands.
//
// Disk: a record older than the in-memory regions lives on disk. Operations never block on disk
// I/O. Instead, the server calls EnsureResident() with a command's keys before running it; if a
// key's newest record is on disk, the store reads it asynchronously, copies it to the mutable
// tail, and calls the waiter, after which the command runs (and retries if an operation still
// returns kPending because the record was evicted again in between).
//
// Expiry: a record whose expiry is at or before the store's clock is treated as absent by every
// operation (lazy expiry) and removed; ActiveExpireCycle() removes them in the background.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/function_ref.h"
#include "base/result.h"
#include "base/status.h"
#include "storage/object.h"

namespace ferrite::storage {

using DbIndex = uint32_t;

// The type tag stored with each record. Values are part of the on-disk format: never renumber.
enum class ValueType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kStream = 5,
};

// Where a record was found: the HybridLog's regions. Reads from kMutable count as cache hits.
enum class Tier : uint8_t { kMutable = 0, kReadOnly = 1, kDisk = 2 };
std::string_view TierName(Tier tier) noexcept;  // "mutable", "read_only", "disk"

inline constexpr int64_t kNoExpiry = 0;  // expire_at_ms value meaning "persistent"

// A record as seen by a reader. The views are valid only during the callback that receives it.
// `object` is non-null exactly for collection records (then `value` is empty); the callback may
// read it (it is const: clone it to keep or change it) but not keep the pointer.
struct RecordView {
  ValueType type = ValueType::kString;
  int64_t expire_at_ms = kNoExpiry;  // absolute Unix time in ms, or kNoExpiry
  std::string_view value;
  Tier tier = Tier::kMutable;
  const StoredObject* object = nullptr;
};

// A record's value being built by an update. `value` starts empty (InitialUpdate) or as a copy of
// the old value (CopyUpdate); the callback edits it freely.
//
// Collections: set `type` to the collection's type and `object` to it (object->type() == type).
// A record is written as a collection record exactly when `object` is non-null and `type` is not
// kString; otherwise `value` is written and `object` is ignored (so an updater that turns a hash
// into a string just sets type and value). In CopyUpdate `object` starts as a clone of the old
// record's object. An object with Length() == 0 is never stored: writing it deletes the key.
// Upsert takes the object (leaving `object` null) only when it returns OK; on any other status
// the builder still owns it, so a Pending Upsert can be retried with the same builder (this is
// why `object` is mutable: Upsert receives the builder by const reference).
struct RecordBuilder {
  ValueType type = ValueType::kString;
  int64_t expire_at_ms = kNoExpiry;
  std::string value;
  mutable std::unique_ptr<StoredObject> object;
};

// A record in the mutable region, updated in place. `value` may be rewritten and `*length`
// changed up to `capacity`; expiry may be changed. For a collection record `object` is non-null
// (and `value` is empty with capacity 0): the updater may mutate the object and return true; the
// engine then re-reads MemoryUsage(), and deletes the key if the object became empty.
// The record's exclusive lock is held during the call, so no reader sees a half-made change.
struct MutableRecord {
  ValueType type;
  int64_t* expire_at_ms;
  char* value;
  uint32_t* length;
  uint32_t capacity;
  StoredObject* object = nullptr;
};

// Read-modify-write callbacks (Garnet's InitialUpdater / InPlaceUpdater / CopyUpdater). The
// engine picks the path from where the newest live record is: absent, mutable, or elsewhere.
class RmwFunctions {
 public:
  virtual ~RmwFunctions() = default;
  // No live record. Fill `out` and return OK to create it; NotFound to leave the key absent; any
  // other status aborts the operation and is returned by Rmw().
  virtual Status InitialUpdate(RecordBuilder& out) = 0;
  // The newest record is in the mutable region. Update it in place and return true, or return
  // false (e.g. the new value does not fit) to fall back to CopyUpdate. Must not fail otherwise:
  // when the update must fail (e.g. the value is not an integer), return false and let
  // CopyUpdate report the error.
  virtual bool InPlaceUpdate(MutableRecord& rec) { return false; }
  // Any other live record: `out` starts as a copy of `old`. Return OK to write the new record,
  // NotFound to delete the key, anything else to abort and return that status.
  virtual Status CopyUpdate(const RecordView& old, RecordBuilder& out) = 0;
};

// Called once when EnsureResident's disk reads finish. It may run on a storage I/O thread, so it
// must be thread-safe and cheap: post to the owning event loop and return.
class ResidencyWaiter {
 public:
  virtual ~ResidencyWaiter() = default;
  virtual void OnResident() = 0;
};

// Statistics read by INFO and the metrics registry. Cheap per-thread counters summed on read.
struct StoreStats {
  uint64_t bytes_mutable = 0;
  uint64_t bytes_read_only = 0;
  uint64_t bytes_disk = 0;
  uint64_t index_bytes = 0;
  uint64_t memory_used = 0;  // everything the engine holds in memory
  uint64_t reads_mutable = 0;
  uint64_t reads_read_only = 0;
  uint64_t reads_disk = 0;
  uint64_t read_misses = 0;  // key absent
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t current_epoch = 0;
  uint64_t pending_reads = 0;
  // HybridLog detail (INFO # Hybridlog); engines without the concept leave them 0.
  uint64_t in_place_updates = 0;  // updates applied in the mutable region
  uint64_t copy_updates = 0;      // RMWs that copied a record to the tail
  uint64_t corrupt_records = 0;   // records that failed their checksum (never served)
  uint64_t compactions = 0;       // disk segments compacted or evicted
  uint64_t compacted_bytes = 0;   // log bytes reclaimed by them
  uint64_t disk_reads = 0;        // asynchronous record reads issued
  uint64_t live_bytes = 0;        // estimated bytes of the newest record of every live key
  uint64_t object_bytes = 0;      // MemoryUsage() of collection objects in memory (in memory_used)
  uint64_t objects = 0;           // collection objects in memory (superseded ones until freed)
  uint64_t index_buckets = 0;     // main buckets of the hash index
  uint64_t index_grows = 0;       // completed doublings of the index while serving
  uint64_t max_memory = 0;        // configured budgets (0 = none)
  uint64_t max_disk = 0;
  bool write_blocked = false;  // writes refused: disk full / maxmemory reached / write errors
};

using ScanCallback = FunctionRef<void(std::string_view key, const RecordView& record)>;
using RecordReader = FunctionRef<void(const RecordView& record)>;

// A key met by StoreSession::ScanStorageOrder. Views are valid during the batch callback only.
struct StorageOrderItem {
  DbIndex db = 0;
  std::string_view key;
  // True: `record` is the key's newest record as the scan read it (an immutable copy, e.g. read
  // from disk); IsCurrentVersion says whether it still is. False: read the key yourself.
  bool has_record = false;
  RecordView record;
  uint64_t version = 0;  // opaque, for IsCurrentVersion
};
using StorageOrderBatch = FunctionRef<Status(std::span<const StorageOrderItem> items)>;

class StoreSession {
 public:
  virtual ~StoreSession() = default;

  // Calls `reader` with the newest live record of `key`. Returns OK, NotFound, or Pending when
  // the record is on disk (call EnsureResident and retry).
  virtual Status Read(DbIndex db, std::string_view key, RecordReader reader) = 0;
  // Blind write of a whole record. NoSpace / OutOfMemory when the budgets forbid it. May return
  // Pending (HybridLog: the key's current record is on disk; counts need it), like Delete.
  virtual Status Upsert(DbIndex db, std::string_view key, const RecordBuilder& record) = 0;
  // Read-modify-write through `fns`. Returns the status the callbacks chose, or Pending.
  virtual Status Rmw(DbIndex db, std::string_view key, RmwFunctions& fns) = 0;
  // Removes `key`. OK if a live record was removed, NotFound if there was none, or Pending.
  virtual Status Delete(DbIndex db, std::string_view key) = 0;

  // See the file comment. Returns true when nothing needs reading; otherwise false, and
  // `waiter->OnResident()` is called once the records are in memory.
  virtual bool EnsureResident(DbIndex db, std::span<const std::string_view> keys,
                              ResidencyWaiter* waiter) = 0;

  // Iterates live keys of `db` from `cursor`, calling `fn` for about `count` keys, and returns
  // the next cursor (0 when done). Every key present for the whole scan is returned at least once,
  // as Redis's SCAN guarantees. May read disk synchronously: call it for SCAN/KEYS, not per GET.
  virtual uint64_t Scan(DbIndex db, uint64_t cursor, size_t count, ScanCallback fn) = 0;
  // Whole-store snapshot scan (checkpoints, AOF rewrite) in the engine's storage order, so that
  // on-disk data is read sequentially. Every key of every database that is present for the whole
  // scan is passed to `batch` at least once, and exactly once unless the engine compacted its
  // log (or failed to read a record) under the scan; keys created or deleted meanwhile may be
  // passed or not. A batch callback's error stops the scan and is returned. Unavailable: the
  // store has no such scan (use Scan).
  virtual Status ScanStorageOrder(StorageOrderBatch batch) {
    (void)batch;
    return Status::Unavailable("no storage-order scan");
  }
  // Whether `item.record` is still its key's newest record. Meaningful only while the caller
  // keeps writers off the key (the server's KeyLockTable stripes).
  virtual bool IsCurrentVersion(const StorageOrderItem& item) {
    (void)item;
    return false;
  }
  // A uniformly-ish random live key, or NotFound when the database is empty.
  virtual Result<std::string> RandomKey(DbIndex db) = 0;

  // Thread-local epoch protection around a group of operations. Records seen resident stay
  // readable until Unprotect(). Operations protect themselves when called unprotected.
  virtual void Protect() = 0;
  virtual void Unprotect() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual std::unique_ptr<StoreSession> NewSession() = 0;

  virtual DbIndex num_databases() const = 0;
  // Exact count of keys in `db` (expired-but-unreaped keys may be included, as in Redis).
  virtual uint64_t KeyCount(DbIndex db) const = 0;
  // Number of those keys that carry an expiry (INFO keyspace "expires=").
  virtual uint64_t ExpiringKeyCount(DbIndex db) const = 0;
  virtual Status FlushDb(DbIndex db) = 0;
  virtual Status FlushAll() = 0;
  virtual Status SwapDb(DbIndex a, DbIndex b) = 0;

  // Removes expired records for up to `budget_us` microseconds; returns how many it removed.
  virtual uint64_t ActiveExpireCycle(uint64_t budget_us) = 0;
  virtual StoreStats Stats() const = 0;
  // Changes the memory budget while serving (CONFIG SET maxmemory). An engine whose fixed
  // structures do not fit the new budget answers InvalidArgument and keeps the old one; one
  // without a budget accepts any value.
  virtual Status SetMaxMemory(uint64_t bytes) {
    (void)bytes;
    return Status::Ok();
  }
};

// Wall-clock milliseconds used for expiry; tests substitute their own.
using ClockFn = std::function<int64_t()>;
int64_t SystemClockMs() noexcept;

}  // namespace ferrite::storage
