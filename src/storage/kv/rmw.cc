// Read-modify-write (FASTER's InternalRMW, Garnet's updater callbacks). The region of the newest
// live record picks the path: none -> InitialUpdate, mutable -> InPlaceUpdate (falling back to
// CopyUpdate when it declines), read-only or fuzzy -> CopyUpdate to a new tail record. The
// callbacks run under the record's exclusive lock when it is at or above SafeReadOnlyAddress,
// so concurrent RMWs of one key serialise instead of losing updates.

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
    if (src != nullptr) {
      if (f.address >= log.SafeReadOnlyAddress()) {
        if (!hlog::LockExclusive(*src)) continue;
        locked = true;
      }
      old = StateOf(*src);
    }
    auto unlock = [&] {
      if (locked) hlog::UnlockExclusive(*src);
    };

    if (old.live() && locked && f.address >= log.ReadOnlyAddress()) {
      int64_t expire = src->expire_at_ms;
      MutableRecord mr{hlog::InfoType(src->LoadInfo()), &expire, src->value_data(), &src->value_len,
                       src->value_capacity};
      if (fns.InPlaceUpdate(mr)) {
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
      out.value.assign(src->value());
      st = fns.CopyUpdate(
          RecordView{out.type, old.expire_at_ms, src->value(),
                     f.address >= log.ReadOnlyAddress() ? Tier::kMutable : Tier::kReadOnly},
          out);
    } else {
      st = fns.InitialUpdate(out);
    }
    const bool remove = st.IsNotFound();
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
      src->StoreInfo(src->LoadInfo() | hlog::kTombstoneBit);
      hlog::UnlockExclusive(*src);
      AdjustCounts(this, db, old, false, kNoExpiry, 0);
      return Status::Ok();
    }
    Status ast;
    bool retry = false;
    Address na = AppendRecord(phys, key, remove ? std::string_view() : out.value, out.type,
                              remove ? kNoExpiry : out.expire_at_ms, f.entry.address(), remove,
                              &ast, &retry);
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
      if (locked) hlog::UnlockExclusive(*src, /*seal=*/true);
      AdjustCounts(this, db, old, !remove, out.expire_at_ms, nr->size());
      SessionCounters::Add(counters_->copy_updates);
      return Status::Ok();
    }
    nr->StoreInfo(nr->LoadInfo() | hlog::kInvalidBit);
    unlock();
  }
}

}  // namespace ferrite::storage::kv
