// Upsert: blind write of a whole record (FASTER's InternalUpsert). In place when the newest
// record is mutable and the value fits its capacity; otherwise a new record at the tail,
// published by CAS on the index entry. The old record must be in memory (or absent) so the key
// counts stay exact: a chain that continues on disk returns Pending.

#include "storage/kv/store_impl.h"

namespace ferrite::storage::kv {

Status HybridLogSession::Upsert(DbIndex db, std::string_view key, const RecordBuilder& record) {
  if (db >= store_->num_databases()) return Status::InvalidArgument("database out of range");
  if (record.value.size() > kMaxValueBytes) return Status::InvalidArgument("value too large");
  OpGuard guard(this);
  const uint32_t phys = store_->PhysDb(db);
  const uint64_t hash = HybridLogStore::HashKey(phys, key);
  hlog::HybridLog& log = store_->log();
  for (int attempt = 0;; ++attempt) {
    FindResult f;
    if (Find(phys, key, hash, /*create=*/true, &f) == Found::kOnDisk) return Status::Pending();
    LogRecord* src = f.record;
    bool locked = false;
    KeyState old;
    if (src != nullptr) {
      if (f.address >= log.SafeReadOnlyAddress()) {
        if (!hlog::LockExclusive(*src)) continue;  // sealed: retry from the index
        locked = true;
      }
      old = StateOf(*src);
      if (locked && f.address >= log.ReadOnlyAddress() &&
          record.value.size() <= src->value_capacity) {
        std::memcpy(src->value_data(), record.value.data(), record.value.size());
        src->value_len = static_cast<uint32_t>(record.value.size());
        src->expire_at_ms = record.expire_at_ms;
        src->StoreInfo(hlog::MakeInfo(hlog::InfoPrev(src->LoadInfo()), record.type, false));
        hlog::UnlockExclusive(*src);
        AdjustCounts(this, db, old, true, record.expire_at_ms, src->size());
        SessionCounters::Add(counters_->in_place_updates);
        return Status::Ok();
      }
    }
    Status st;
    bool retry = false;
    Address na = AppendRecord(phys, key, record.value, record.type, record.expire_at_ms,
                              f.entry.address(), false, &st, &retry);
    if (na == hlog::kInvalidAddress) {
      if (locked) hlog::UnlockExclusive(*src);
      if (!retry) return st;
      if (no_wait()) return Status::Unavailable("tail full");
      Status wait = WaitForSpace(this, attempt);
      if (!wait.ok()) return wait;
      continue;
    }
    LogRecord* nr = LogRecord::At(log.Get(na));
    uint64_t expected = f.entry.entry;
    if (f.entry.slot->compare_exchange_strong(expected,
                                              index::MakeEntry(index::EntryTag(f.entry.entry), na),
                                              std::memory_order_acq_rel)) {
      if (locked) hlog::UnlockExclusive(*src, /*seal=*/true);
      AdjustCounts(this, db, old, true, record.expire_at_ms, nr->size());
      SessionCounters::Add(counters_->upserts);
      return Status::Ok();
    }
    nr->StoreInfo(nr->LoadInfo() | hlog::kInvalidBit);
    if (locked) hlog::UnlockExclusive(*src);
  }
}

}  // namespace ferrite::storage::kv
