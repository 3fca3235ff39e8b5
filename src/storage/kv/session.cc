// HybridLogSession plumbing shared by every operation: epoch protection, the chain walk, record
// state and tail appends.

#include <algorithm>
#include <cstring>
#include <thread>

#include "storage/kv/store_impl.h"
#include "telemetry/api/command_trace.h"

namespace ferrite::storage::kv {

HybridLogSession::HybridLogSession(HybridLogStore* store, bool internal)
    : store_(store),
      slot_(store->epoch().AcquireSlot()),
      internal_(internal),
      inbox_(std::make_shared<SessionInbox>()) {
  // More live sessions than epoch slots is a configuration error (threads are bounded).
  if (slot_ >= epoch::LightEpoch::kMaxSlots) std::abort();
  counters_ = &store->counters_for_slot(slot_);
}

HybridLogSession::~HybridLogSession() {
  store_->epoch().Unprotect(slot_);
  store_->epoch().ReleaseSlot(slot_);
}

void HybridLogSession::Protect() {
  if (user_protect_depth_++ == 0) store_->epoch().Protect(slot_);
}

void HybridLogSession::Unprotect() {
  if (--user_protect_depth_ == 0) store_->epoch().Unprotect(slot_);
}

OpGuard::OpGuard(HybridLogSession* s) : s_(s), owned_(!s->store()->epoch().IsProtected(s->slot())) {
  if (owned_) s_->store()->epoch().Protect(s_->slot());
}

OpGuard::~OpGuard() {
  if (owned_) s_->store()->epoch().Unprotect(s_->slot());
}

Found HybridLogSession::Find(uint32_t phys, std::string_view key, uint64_t hash, bool create,
                             FindResult* out) {
  // `ferrite.index.lookup` of a sampled command: the index probe and the in-memory chain walk.
  // Unsampled commands pay a thread-local load here (telemetry/api/command_trace.h).
  telemetry::StepScope step(telemetry::Step::kIndexLookup);
  hlog::HybridLog& log = store_->log();
  const Address begin = log.BeginAddress();
  out->entry = create ? store_->index().FindOrCreate(hash, begin) : store_->index().Find(hash);
  out->record = nullptr;
  out->address = 0;
  out->disk_address = 0;
  if (out->entry.slot == nullptr) return Found::kAbsent;
  const Address head = log.HeadAddress();
  Address a = out->entry.address();
  while (a != hlog::kInvalidAddress && a >= begin) {
    if (a < head) {
      out->disk_address = a;
      return Found::kOnDisk;
    }
    LogRecord* rec = LogRecord::At(log.Get(a));
    // Key, db and prev never change once a record is published.
    if (rec->db == phys && rec->key() == key) {
      out->address = a;
      out->record = rec;
      return Found::kInMemory;
    }
    a = hlog::InfoPrev(rec->LoadInfo());
  }
  return Found::kAbsent;
}

bool HybridLogSession::InBucket(const LogRecord& rec, uint64_t bucket) const {
  return store_->index().BucketOf(HybridLogStore::HashKey(rec.db, rec.key())) == bucket;
}

KeyState HybridLogSession::StateOf(const LogRecord& rec, int64_t now) const {
  KeyState s;
  uint64_t info = rec.LoadInfo();
  s.size = rec.size();
  if (hlog::InfoTombstone(info)) return s;
  s.present = true;
  s.expire_at_ms = rec.expire_at_ms;
  s.expired = s.expire_at_ms != kNoExpiry && s.expire_at_ms <= now;
  return s;
}

KeyState HybridLogSession::StateOf(const LogRecord& rec) const {
  return StateOf(rec, rec.expire_at_ms == kNoExpiry ? 0 : store_->Now());
}

Address HybridLogSession::AppendRecord(uint32_t phys, std::string_view key, std::string_view value,
                                       ValueType type, int64_t expire, Address prev, bool tombstone,
                                       Status* status, bool* retry, uint32_t min_capacity) {
  *retry = false;
  uint64_t size = hlog::RecordSize(static_cast<uint32_t>(key.size()),
                                   std::max(static_cast<uint32_t>(value.size()), min_capacity));
  hlog::AllocFailure failure;
  Address a = store_->log().Allocate(size, &failure);
  if (a == hlog::kInvalidAddress) {
    if (failure == hlog::AllocFailure::kTooLarge) {
      *status = Status::OutOfMemory("record larger than the in-memory log");
    } else {
      *retry = true;
    }
    return a;
  }
  LogRecord* rec = LogRecord::At(store_->log().Get(a));
  // Capacity takes the alignment slack, so small in-place growth needs no copy.
  uint32_t capacity = static_cast<uint32_t>(size - hlog::kRecordHeaderSize - key.size());
  rec->Init(phys, key, static_cast<uint32_t>(value.size()), capacity, type, expire, prev,
            tombstone);
  if (!value.empty()) std::memcpy(rec->value_data(), value.data(), value.size());
  return a;
}

Address HybridLogSession::AppendObjectRecord(uint32_t phys, std::string_view key,
                                             StoredObject* object, ValueType type, int64_t expire,
                                             Address prev, Status* status, bool* retry) {
  // Measured before allocating: the record must not sit half-initialised at the tail while an
  // object walks its elements.
  const uint64_t charge = object->MemoryUsage();
  Address a = AppendRecord(phys, key, std::string_view(), type, expire, prev, false, status, retry,
                           hlog::kObjectSlotSize);
  if (a == hlog::kInvalidAddress) return a;
  LogRecord* rec = LogRecord::At(store_->log().Get(a));
  rec->value_len = 0;
  std::memset(rec->object_slot(), 0, hlog::kObjectSlotSize);
  rec->set_object_charge(charge);
  rec->StoreObject(object);
  store_->log().ChargeObjects(static_cast<int64_t>(charge), 1);
  store_->log().NoteObjectRecord(a);
  rec->StoreInfo(rec->LoadInfo() | hlog::kObjectBit);
  return a;
}

bool HybridLogSession::UnpublishedObject(LogRecord& rec) {
  if (rec.ExchangeObject(nullptr) == nullptr) return false;
  store_->log().ChargeObjects(-static_cast<int64_t>(rec.object_charge()), -1);
  return true;
}

void HybridLogSession::ReapExpired(DbIndex db, std::string_view key) {
  // Delete() treats the expired record as absent but still removes and counts it.
  (void)Delete(db, key);
}

// Waits for the worker to free tail space; returns the error that blocks writes, if any.
Status WaitForSpace(HybridLogSession* s, int attempt) {
  HybridLogStore* store = s->store();
  Status blocked = store->WriteBlocked();
  if (!blocked.ok()) return blocked;
  store->WakeWorker();
  store->epoch().Refresh(s->slot());
  if (attempt > 64) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  } else {
    std::this_thread::yield();
  }
  return Status::Ok();
}

Status WaitForObjectBudget(HybridLogSession* s, int attempt) {
  if (attempt > kObjectBudgetAttempts) {
    return Status::OutOfMemory("command not allowed when used memory > 'maxmemory'");
  }
  return WaitForSpace(s, attempt);
}

void AdjustCounts(HybridLogSession* s, DbIndex db, const KeyState& old, bool new_present,
                  int64_t new_expire, uint64_t new_size) {
  HybridLogStore::DbCounters& c = s->store()->counters(db);
  int64_t keys = (new_present ? 1 : 0) - (old.present ? 1 : 0);
  int64_t expiring = (new_present && new_expire != kNoExpiry ? 1 : 0) -
                     (old.present && old.expire_at_ms != kNoExpiry ? 1 : 0);
  if (keys != 0) c.keys.fetch_add(keys, std::memory_order_relaxed);
  if (expiring != 0) c.expiring.fetch_add(expiring, std::memory_order_relaxed);
  if (old.expired) SessionCounters::Add(s->counters().expired);
  int64_t bytes = (new_present ? static_cast<int64_t>(new_size) : 0) -
                  (old.present ? static_cast<int64_t>(old.size) : 0);
  if (bytes != 0) SessionCounters::AddSigned(s->counters().live_bytes, bytes);
}

InboxResult TakeInboxResult(SessionInbox& inbox, uint64_t hash) {
  if (!inbox.nonempty.load(std::memory_order_acquire)) return {};
  std::lock_guard lock(inbox.mu);
  for (size_t i = 0; i < inbox.results.size(); ++i) {
    if (inbox.results[i].hash == hash) {
      InboxResult r = std::move(inbox.results[i]);
      inbox.results.erase(inbox.results.begin() + static_cast<long>(i));
      if (inbox.results.empty()) inbox.nonempty.store(false, std::memory_order_release);
      return r;
    }
  }
  return {};
}

}  // namespace ferrite::storage::kv
