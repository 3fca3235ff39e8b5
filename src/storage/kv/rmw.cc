// Read-modify-write (FASTER's InternalRMW, Garnet's updater callbacks). The region of the newest
// live record picks the path: none -> InitialUpdate, mutable -> InPlaceUpdate (falling back to
// CopyUpdate when it declines), read-only or fuzzy -> CopyUpdate to a new tail record. The
// callbacks run under the record's exclusive lock when it is at or above SafeReadOnlyAddress,
// so concurrent RMWs of one key serialise instead of losing updates.
//
// Collections: InPlaceUpdate receives the record's object (MutableRecord::object) and may mutate
// it; the engine then re-measures it, and deletes the key if it became empty. CopyUpdate receives
// a clone in `out.object`: the old record may be read-only (being serialised by the flusher, or
// read by a lock-free reader below SafeReadOnlyAddress), so it must never change.

#include "storage/kv/store_impl.h"

namespace ferrite::storage::kv {

Status HybridLogSession::Rmw(DbIndex db, std::string_view key, RmwFunctions& fns) {
  if (db >= store_->num_databases()) return Status::InvalidArgument("database out of range");
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
    StoredObject* old_object = nullptr;
    if (src != nullptr) {
      if (f.address >= log.SafeReadOnlyAddress()) {
        if (!hlog::LockExclusive(*src)) continue;
        locked = true;
      }
      old = StateOf(*src);
      if (hlog::InfoObject(src->LoadInfo())) {
        old_object = src->LoadObject();
        // Detached by a concurrent FlushDb: as good as absent.
        if (old_object == nullptr) old = KeyState{};
      }
    }
    auto unlock = [&] {
      if (locked) hlog::UnlockExclusive(*src);
    };

    if (old.live() && locked && f.address >= log.ReadOnlyAddress()) {
      int64_t expire = src->expire_at_ms;
      bool applied;
      if (old_object == nullptr) {
        MutableRecord mr{hlog::InfoType(src->LoadInfo()), &expire, src->value_data(),
                         &src->value_len, src->value_capacity};
        applied = fns.InPlaceUpdate(mr);
      } else {
        char none = 0;
        uint32_t none_len = 0;
        MutableRecord mr{hlog::InfoType(src->LoadInfo()), &expire, &none, &none_len, 0, old_object};
        applied = fns.InPlaceUpdate(mr);
        if (applied) {
          const uint64_t before = src->object_charge();
          const uint64_t after = old_object->MemoryUsage();
          src->set_object_charge(after);
          log.ChargeObjects(static_cast<int64_t>(after) - static_cast<int64_t>(before), 0);
          if (old_object->Length() == 0) {
            // A collection never exists empty: the update removed its last element.
            src->StoreInfo(src->LoadInfo() | hlog::kTombstoneBit);
            log.FreeObject(*src);
            hlog::UnlockExclusive(*src);
            AdjustCounts(this, db, old, false, kNoExpiry, 0);
            SessionCounters::Add(counters_->in_place_updates);
            return Status::Ok();
          }
        }
      }
      if (applied) {
        src->expire_at_ms = expire;
        hlog::UnlockExclusive(*src);
        AdjustCounts(this, db, old, true, expire, old.size);
        SessionCounters::Add(counters_->in_place_updates);
        return Status::Ok();
      }
    }

    RecordBuilder out;
    Status st;
    if (old.live()) {
      out.type = hlog::InfoType(src->LoadInfo());
      out.expire_at_ms = old.expire_at_ms;
      RecordView view{out.type,
                      old.expire_at_ms,
                      {},
                      f.address >= log.ReadOnlyAddress() ? Tier::kMutable : Tier::kReadOnly,
                      old_object};
      if (old_object != nullptr) {
        out.object = old_object->Clone();
      } else {
        out.value.assign(src->value());
        view.value = src->value();
      }
      st = fns.CopyUpdate(view, out);
    } else {
      st = fns.InitialUpdate(out);
    }
    const bool as_object = BuildsObject(out);
    if (st.ok() && as_object && out.object->type() != out.type) {
      st = Status::InvalidArgument("object type differs from the record type");
    }
    // A collection never exists empty: an update that empties it deletes the key, and an
    // InitialUpdate that makes an empty one leaves the key absent.
    const bool emptied = st.ok() && as_object && out.object->Length() == 0;
    if (emptied && !old.live()) {
      unlock();
      if (old.expired) ReapExpired(db, key);
      return Status::Ok();
    }
    const bool remove = st.IsNotFound() || emptied;
    if (!st.ok() && !(remove && old.live())) {
      unlock();
      if (old.expired) ReapExpired(db, key);
      return st;
    }
    if (out.value.size() > kMaxValueBytes) {
      unlock();
      return Status::InvalidArgument("value too large");
    }
    if (remove && locked && f.address >= log.ReadOnlyAddress()) {
      const uint64_t info = src->LoadInfo();
      src->StoreInfo(info | hlog::kTombstoneBit);
      if (hlog::InfoObject(info)) log.FreeObject(*src);
      hlog::UnlockExclusive(*src);
      AdjustCounts(this, db, old, false, kNoExpiry, 0);
      return Status::Ok();
    }
    const bool write_object = as_object && !remove;
    if (write_object && !no_wait() && store_->ObjectsOverBudget()) {
      // Objects fill memory: wait for the worker to close pages (freeing their objects).
      unlock();
      Status wait = WaitForObjectBudget(this, attempt);
      if (!wait.ok()) return wait;
      continue;
    }
    Status ast;
    bool retry = false;
    Address na = write_object
                     ? AppendObjectRecord(phys, key, out.object.get(), out.type, out.expire_at_ms,
                                          f.entry.address(), &ast, &retry)
                     : AppendRecord(phys, key, remove ? std::string_view() : out.value, out.type,
                                    remove ? kNoExpiry : out.expire_at_ms, f.entry.address(),
                                    remove, &ast, &retry);
    if (na == hlog::kInvalidAddress) {
      unlock();
      if (!retry) return ast;
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
      if (write_object) (void)out.object.release();  // the record owns it now
      if (locked) hlog::UnlockExclusive(*src, /*seal=*/true);
      AdjustCounts(this, db, old, !remove, out.expire_at_ms, nr->size());
      SessionCounters::Add(counters_->copy_updates);
      return Status::Ok();
    }
    // Never published: the object (still owned by `out`) is freed when `out` goes.
    if (write_object && !UnpublishedObject(*nr)) (void)out.object.release();  // FlushDb took it
    nr->StoreInfo(nr->LoadInfo() | hlog::kInvalidBit);
    unlock();
  }
}

}  // namespace ferrite::storage::kv
