// Upsert: blind write of a whole record (FASTER's InternalUpsert). In place when the newest
// record is mutable and the value fits its capacity; otherwise a new record at the tail,
// published by CAS on the index entry. The old record must be in memory (or absent) so the key
// counts stay exact: a chain that continues on disk returns Pending.
//
// Collections: the builder's object is placed in the record's slot; it changes owner (the
// builder's unique_ptr is released) only once the record is published, so a failed CAS or a
// Pending leaves it with the caller. An in-place overwrite frees the old record's object under
// the exclusive lock, which every reader of a mutable record holds in shared mode.

#include "storage/kv/store_impl.h"

namespace ferrite::storage::kv {

Status HybridLogSession::Upsert(DbIndex db, std::string_view key, const RecordBuilder& record) {
  if (db >= store_->num_databases()) return Status::InvalidArgument("database out of range");
  if (record.value.size() > kMaxValueBytes) return Status::InvalidArgument("value too large");
  const bool as_object = BuildsObject(record);
  if (as_object) {
    if (record.object->type() != record.type) {
      return Status::InvalidArgument("object type differs from the record type");
    }
    // A collection never exists empty: storing an empty one removes the key.
    if (record.object->Length() == 0) {
      Status st = Delete(db, key);
      if (!st.ok() && !st.IsNotFound()) return st;
      record.object.reset();
      return Status::Ok();
    }
  }
  OpGuard guard(this);
  const uint32_t phys = store_->PhysDb(db);
  const uint64_t hash = HybridLogStore::HashKey(phys, key);
  hlog::HybridLog& log = store_->log();
  for (int attempt = 0;; ++attempt) {
    if (as_object && store_->ObjectsOverBudget()) {
      Status wait = WaitForObjectBudget(this, attempt);
      if (!wait.ok()) return wait;
      continue;
    }
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
      if (locked && f.address >= log.ReadOnlyAddress()) {
        const uint64_t info = src->LoadInfo();
        const bool was_object = hlog::InfoObject(info);
        if (!as_object && !was_object && record.value.size() <= src->value_capacity) {
          std::memcpy(src->value_data(), record.value.data(), record.value.size());
          src->value_len = static_cast<uint32_t>(record.value.size());
          src->expire_at_ms = record.expire_at_ms;
          src->StoreInfo(hlog::MakeInfo(hlog::InfoPrev(info), record.type, false));
          hlog::UnlockExclusive(*src);
          AdjustCounts(this, db, old, true, record.expire_at_ms, src->size());
          SessionCounters::Add(counters_->in_place_updates);
          return Status::Ok();
        }
        const uint64_t room = as_object ? hlog::kObjectSlotSize : record.value.size();
        if ((as_object || was_object) && room <= src->value_capacity) {
          // The value area and the object slot overlap: free the old object first.
          if (was_object) log.FreeObject(*src);
          if (as_object) {
            StoredObject* obj = record.object.release();
            std::memset(src->object_slot(), 0, hlog::kObjectSlotSize);
            const uint64_t charge = obj->MemoryUsage();
            src->set_object_charge(charge);
            src->StoreObject(obj);
            src->value_len = 0;
            log.ChargeObjects(static_cast<int64_t>(charge), 1);
            log.NoteObjectRecord(f.address);
          } else {
            std::memcpy(src->value_data(), record.value.data(), record.value.size());
            src->value_len = static_cast<uint32_t>(record.value.size());
          }
          src->expire_at_ms = record.expire_at_ms;
          src->StoreInfo(hlog::MakeInfo(hlog::InfoPrev(info), record.type, false, as_object));
          hlog::UnlockExclusive(*src);
          AdjustCounts(this, db, old, true, record.expire_at_ms, src->size());
          SessionCounters::Add(counters_->in_place_updates);
          return Status::Ok();
        }
      }
    }
    Status st;
    bool retry = false;
    Address na = as_object ? AppendObjectRecord(phys, key, record.object.get(), record.type,
                                                record.expire_at_ms, f.entry.address(), &st, &retry)
                           : AppendRecord(phys, key, record.value, record.type, record.expire_at_ms,
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
      if (as_object) (void)record.object.release();  // the record owns it now
      if (locked) hlog::UnlockExclusive(*src, /*seal=*/true);
      AdjustCounts(this, db, old, true, record.expire_at_ms, nr->size());
      SessionCounters::Add(counters_->upserts);
      return Status::Ok();
    }
    const bool stolen = as_object && !UnpublishedObject(*nr);
    nr->StoreInfo(nr->LoadInfo() | hlog::kInvalidBit);
    if (locked) hlog::UnlockExclusive(*src);
    if (stolen) {
      // A FlushDb of this database ran meanwhile and took the object: the write happened
      // before the flush.
      (void)record.object.release();
      return Status::Ok();
    }
  }
}

}  // namespace ferrite::storage::kv
