// Read: the newest live record of a key, from whichever region holds it (FASTER's
// InternalRead). On-disk records are not read here: the caller gets Pending and calls
// EnsureResident, which copies the record to the tail (pending.cc). A collection record's object
// is handed to the reader under the record's shared lock (or, below SafeReadOnlyAddress, where
// nobody writes it, under epoch protection only).

#include "storage/kv/store_impl.h"

namespace ferrite::storage::kv {

Status HybridLogSession::Read(DbIndex db, std::string_view key, RecordReader reader) {
  if (db >= store_->num_databases()) return Status::InvalidArgument("database out of range");
  OpGuard guard(this);
  const uint32_t phys = store_->PhysDb(db);
  const uint64_t hash = HybridLogStore::HashKey(phys, key);
  // A disk read for this key finished for this session: report its tier, or its error.
  InboxResult fetched = TakeInboxResult(*inbox_, hash);
  const StatusCode inbox = fetched.code;
  if (inbox == StatusCode::kCorruption) return Status::Corruption("record failed its checksum");
  if (inbox == StatusCode::kIoError) return Status::IoError("disk read failed");
  if (inbox == StatusCode::kNotFound) {
    SessionCounters::Add(counters_->read_misses);
    return Status::NotFound();
  }
  if (inbox == StatusCode::kOk && !fetched.record.empty()) {
    // Served from the disk read itself: the tail had no room for a copy.
    const LogRecord& rec = *LogRecord::At(fetched.record.data());
    if (rec.db == phys && rec.key() == key) {
      KeyState st = StateOf(rec);
      if (st.live()) {
        SessionCounters::Add(counters_->reads_disk);
        reader(RecordView{hlog::InfoType(rec.LoadInfo()), st.expire_at_ms,
                          fetched.object != nullptr ? std::string_view() : rec.value(), Tier::kDisk,
                          fetched.object.get()});
        return Status::Ok();
      }
      SessionCounters::Add(counters_->read_misses);
      return Status::NotFound();
    }
  }
  for (;;) {
    FindResult f;
    Found where = Find(phys, key, hash, /*create=*/false, &f);
    if (where == Found::kOnDisk) return Status::Pending();
    if (where == Found::kAbsent) {
      SessionCounters::Add(counters_->read_misses);
      return Status::NotFound();
    }
    hlog::HybridLog& log = store_->log();
    LogRecord& rec = *f.record;
    const bool locked = f.address >= log.SafeReadOnlyAddress();
    if (locked && !hlog::LockShared(rec)) continue;  // sealed: a newer copy is published
    KeyState st = StateOf(rec);
    if (!st.live()) {
      if (locked) hlog::UnlockShared(rec);
      if (st.expired) ReapExpired(db, key);
      SessionCounters::Add(counters_->read_misses);
      return Status::NotFound();
    }
    const uint64_t info = rec.LoadInfo();
    const StoredObject* object = nullptr;
    if (hlog::InfoObject(info)) {
      object = rec.LoadObject();
      if (object == nullptr) {
        // Detached by a concurrent FlushDb: the key is gone.
        if (locked) hlog::UnlockShared(rec);
        SessionCounters::Add(counters_->read_misses);
        return Status::NotFound();
      }
    }
    Tier tier = f.address >= log.ReadOnlyAddress() ? Tier::kMutable : Tier::kReadOnly;
    if (inbox == StatusCode::kPending) tier = Tier::kDisk;  // fetched by EnsureResident
    SessionCounters::Add(tier == Tier::kMutable    ? counters_->reads_mutable
                         : tier == Tier::kReadOnly ? counters_->reads_read_only
                                                   : counters_->reads_disk);
    reader(RecordView{hlog::InfoType(info), st.expire_at_ms,
                      object != nullptr ? std::string_view() : rec.value(), tier, object});
    if (locked) hlog::UnlockShared(rec);
    return Status::Ok();
  }
}

}  // namespace ferrite::storage::kv
