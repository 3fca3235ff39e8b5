// Delete: a tombstone (FASTER's InternalDelete). In the mutable region the record's tombstone
// bit is set in place; elsewhere a tombstone record is appended. A key whose chain continues on
// disk returns Pending (the store must know whether a live record existed to count it).
// A collection's object is freed at once when the tombstone is set in place; a superseded one
// stays with its record until the page is closed (a reader may still hold it).

#include "storage/kv/store_impl.h"

namespace ferrite::storage::kv {

Status HybridLogSession::Delete(DbIndex db, std::string_view key) {
  if (db >= store_->num_databases()) return Status::InvalidArgument("database out of range");
  OpGuard guard(this);
  const uint32_t phys = store_->PhysDb(db);
  const uint64_t hash = HybridLogStore::HashKey(phys, key);
  hlog::HybridLog& log = store_->log();
  for (int attempt = 0;; ++attempt) {
    FindResult f;
    Found where = Find(phys, key, hash, /*create=*/false, &f);
    if (where == Found::kOnDisk) return Status::Pending();
    if (where == Found::kAbsent) return Status::NotFound();
    LogRecord* src = f.record;
    bool locked = false;
    if (f.address >= log.SafeReadOnlyAddress()) {
      if (!hlog::LockExclusive(*src)) continue;
      locked = true;
    }
    KeyState old = StateOf(*src);
    if (!old.present) {
      if (locked) hlog::UnlockExclusive(*src);
      return Status::NotFound();
    }
    if (locked && f.address >= log.ReadOnlyAddress()) {
      const uint64_t info = src->LoadInfo();
      src->StoreInfo(info | hlog::kTombstoneBit);
      // Readers of a mutable record hold its shared lock: nobody can be using the object.
      if (hlog::InfoObject(info)) log.FreeObject(*src);
      hlog::UnlockExclusive(*src);
      AdjustCounts(this, db, old, false, kNoExpiry, 0);
      return old.expired ? Status::NotFound() : Status::Ok();
    }
    Status st;
    bool retry = false;
    Address na = AppendRecord(phys, key, {}, ValueType::kString, kNoExpiry, f.entry.address(),
                              /*tombstone=*/true, &st, &retry);
    if (na == hlog::kInvalidAddress) {
      if (locked) hlog::UnlockExclusive(*src);
      if (!retry) return st;
      if (no_wait()) return Status::Unavailable("tail full");
      Status wait = WaitForSpace(this, attempt);
      if (!wait.ok()) return wait;
      continue;
    }
    uint64_t expected = f.entry.entry;
    if (f.entry.slot->compare_exchange_strong(expected,
                                              index::MakeEntry(index::EntryTag(f.entry.entry), na),
                                              std::memory_order_acq_rel)) {
      if (locked) hlog::UnlockExclusive(*src, /*seal=*/true);
      AdjustCounts(this, db, old, false, kNoExpiry, 0);
      return old.expired ? Status::NotFound() : Status::Ok();
    }
    LogRecord* nr = LogRecord::At(log.Get(na));
    nr->StoreInfo(nr->LoadInfo() | hlog::kInvalidBit);
    if (locked) hlog::UnlockExclusive(*src);
  }
}

}  // namespace ferrite::storage::kv
