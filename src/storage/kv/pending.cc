// Disk reads: EnsureResident walks each key's chain in memory; for a chain that continues on
// disk it queues a DiskRequest. The I/O worker reads records asynchronously (io_uring), follows
// the chain until it finds the key or its end, and copies what it found (the record, or a
// tombstone meaning "absent") to the tail with a conditional CAS, so the retried command finds
// the key's newest state in memory. Then it calls the batch's ResidencyWaiter. A collection
// record's object is read from the object log and rebuilt (DeserializeObject) before the copy,
// which makes it a fresh object record at the tail.

#include <algorithm>

#include "storage/kv/store_impl.h"

namespace ferrite::storage::kv {

bool HybridLogSession::EnsureResident(DbIndex db, std::span<const std::string_view> keys,
                                      ResidencyWaiter* waiter) {
  if (db >= store_->num_databases()) return true;
  std::vector<DiskRequest*> requests;
  {
    OpGuard guard(this);
    const uint32_t phys = store_->PhysDb(db);
    for (std::string_view key : keys) {
      bool dup = false;
      for (DiskRequest* r : requests) dup = dup || r->key == key;
      if (dup) continue;
      uint64_t hash = HybridLogStore::HashKey(phys, key);
      FindResult f;
      if (Find(phys, key, hash, /*create=*/false, &f) != Found::kOnDisk) continue;
      auto* req = new DiskRequest();
      req->store = store_;
      req->inbox = inbox_;
      req->db = db;
      req->phys = phys;
      req->hash = hash;
      req->key.assign(key);
      req->walk_start = f.disk_address;
      req->address = f.disk_address;
      requests.push_back(req);
    }
  }
  if (requests.empty()) return true;
  auto* batch = new PendingBatch{waiter, static_cast<int>(requests.size())};
  for (DiskRequest* r : requests) r->batch = batch;
  store_->SubmitDiskRequests(std::move(requests));
  return false;
}

void DiskRequest::OnIoComplete(Status st) {
  status = std::move(st);
  store->completed_.push_back(this);  // processed by the worker under epoch protection
}

void HybridLogStore::SubmitDiskRequests(std::vector<DiskRequest*> requests) {
  pending_reads.fetch_add(requests.size(), std::memory_order_relaxed);
  {
    std::lock_guard lock(work_mu_);
    incoming_.insert(incoming_.end(), requests.begin(), requests.end());
    work_flag_.store(true, std::memory_order_release);
  }
  work_cv_.notify_one();
}

void HybridLogStore::IssueRead(DiskRequest* req) {
  const Address a = req->address;
  const Address flushed = log_.FlushedUntilAddress();
  if (a < log_.BeginAddress() || a + hlog::kRecordHeaderSize > flushed) {
    // The chain was truncated (compaction, FlushAll) while we walked it: the key is absent.
    req->address = hlog::kInvalidAddress;
    if (!CopyToTail(req)) deferred_.push_back(req);
    return;
  }
  const uint64_t seg_size = log_.segment_size();
  uint64_t n = std::min<uint64_t>({4096, flushed - a, seg_size - (a & (seg_size - 1))});
  req->buf.resize(n);
  disk_reads_issued.fetch_add(1, std::memory_order_relaxed);
  Status st = device_->SubmitRead(a / seg_size, a & (seg_size - 1), req->buf.data(), n, req);
  if (!st.ok()) {
    // Submission queue full: complete synchronously instead.
    req->status = log_.ReadRaw(a, req->buf.data(), n);
    completed_.push_back(req);
  }
}

void HybridLogStore::OnReadDone(DiskRequest* req, Status st) {
  if (!st.ok()) {
    FinishRequest(req, StatusCode::kIoError);
    return;
  }
  const LogRecord* rec = LogRecord::At(req->buf.data());
  uint64_t size = req->buf.size() >= hlog::kRecordHeaderSize
                      ? hlog::RecordSize(rec->key_len, rec->value_capacity)
                      : 0;
  if (size > req->buf.size() && req->address + size <= log_.FlushedUntilAddress() &&
      rec->value_capacity <= kMaxValueBytes + 8) {
    // A record longer than the first read: fetch the rest synchronously (large values only).
    req->buf.resize(size);
    Status rst = log_.ReadRaw(req->address, req->buf.data(), size);
    if (!rst.ok()) {
      FinishRequest(req, StatusCode::kIoError);
      return;
    }
    rec = LogRecord::At(req->buf.data());
  }
  if (!hlog::VerifyDiskRecord(req->buf.data(), req->buf.size())) {
    corruptions.fetch_add(1, std::memory_order_relaxed);
    // The key's newest state is unknown: its data is reported lost once (Corruption) and the
    // key becomes absent, so it can be written again.
    req->address = hlog::kInvalidAddress;
    req->status = Status::Corruption("record failed its checksum");
    if (!CopyToTail(req)) deferred_.push_back(req);
    return;
  }
  if (rec->db == req->phys && rec->key() == req->key) {
    const uint64_t info = rec->LoadInfo();
    if (hlog::InfoObject(info) && worker_session_->StateOf(*rec).live()) {
      // The collection comes from the object log, read here on the worker (synchronously, like
      // the tail of a large record).
      auto object = log_.ReadObjectSync(req->address, *rec);
      if (!object) {
        if (object.error().code() != StatusCode::kCorruption) {
          FinishRequest(req, StatusCode::kIoError);
          return;
        }
        corruptions.fetch_add(1, std::memory_order_relaxed);
        req->address = hlog::kInvalidAddress;
        req->status = Status::Corruption("collection failed its checksum");
      } else {
        req->object = std::move(object).value();
      }
    }
    if (!CopyToTail(req)) deferred_.push_back(req);
    return;
  }
  Address prev = hlog::InfoPrev(rec->LoadInfo());
  if (prev == hlog::kInvalidAddress || prev < log_.BeginAddress()) {
    req->address = hlog::kInvalidAddress;
    if (!CopyToTail(req)) deferred_.push_back(req);
    return;
  }
  req->address = prev;
  IssueRead(req);
}

bool HybridLogStore::CopyToTail(DiskRequest* req) {
  HybridLogSession* s = worker_session_.get();
  if (PhysDb(req->db) != req->phys) {
    FinishRequest(req, StatusCode::kOk);  // the database was flushed or swapped meanwhile
    return true;
  }
  const bool corrupt = req->status.code() == StatusCode::kCorruption;
  const LogRecord* disk =
      req->address != hlog::kInvalidAddress && !corrupt ? LogRecord::At(req->buf.data()) : nullptr;
  KeyState old;
  if (disk != nullptr) old = s->StateOf(*disk);
  for (;;) {
    FindResult f;
    Found where = s->Find(req->phys, req->key, req->hash, /*create=*/true, &f);
    if (where == Found::kInMemory) {
      FinishRequest(req, corrupt ? StatusCode::kCorruption : StatusCode::kOk);
      return true;
    }
    if (where == Found::kOnDisk && f.disk_address > req->walk_start) {
      // Newer records reached disk since the walk began: walk again from the new start.
      req->walk_start = req->address = f.disk_address;
      req->status = Status::Ok();
      req->object.reset();
      IssueRead(req);
      return true;
    }
    const bool live = old.live();
    const bool object = live && req->object != nullptr;
    Status st;
    bool retry = false;
    Address na =
        object ? s->AppendObjectRecord(req->phys, req->key, req->object.get(),
                                       hlog::InfoType(disk->LoadInfo()), old.expire_at_ms,
                                       f.entry.address(), &st, &retry)
               : s->AppendRecord(req->phys, req->key, live ? disk->value() : std::string_view(),
                                 live ? hlog::InfoType(disk->LoadInfo()) : ValueType::kString,
                                 live ? old.expire_at_ms : kNoExpiry, f.entry.address(),
                                 /*tombstone=*/!live, &st, &retry);
    if (na == hlog::kInvalidAddress) {
      if (retry && write_block_.load(std::memory_order_acquire) == 0) return false;
      // Memory and disk are full (or the record cannot fit): hand the record to the reader
      // instead of copying it, so reads keep working while writes are refused.
      if (corrupt) {
        FinishRequest(req, StatusCode::kCorruption);
      } else if (live) {
        FinishRequest(req, StatusCode::kOk, std::move(req->buf), std::move(req->object));
      } else {
        FinishRequest(req, StatusCode::kNotFound);
      }
      return true;
    }
    uint64_t expected = f.entry.entry;
    if (f.entry.slot->compare_exchange_strong(expected,
                                              index::MakeEntry(index::EntryTag(f.entry.entry), na),
                                              std::memory_order_acq_rel)) {
      if (object) (void)req->object.release();  // the record owns it now
      if (old.expired) AdjustCounts(s, req->db, old, false, kNoExpiry, 0);
      FinishRequest(req, corrupt ? StatusCode::kCorruption
                         : live  ? StatusCode::kPending  // "served from disk" for Read's tier
                                 : StatusCode::kOk);
      return true;
    }
    LogRecord* nr = LogRecord::At(log_.Get(na));
    if (object && !s->UnpublishedObject(*nr)) {
      // A FlushDb took the object: the database is gone, and so is the key.
      (void)req->object.release();
      nr->StoreInfo(nr->LoadInfo() | hlog::kInvalidBit);
      FinishRequest(req, StatusCode::kOk);
      return true;
    }
    nr->StoreInfo(nr->LoadInfo() | hlog::kInvalidBit);
  }
}

void HybridLogStore::FinishRequest(DiskRequest* req, StatusCode outcome, std::string record,
                                   std::unique_ptr<StoredObject> object) {
  if (outcome != StatusCode::kOk || !record.empty()) {
    SessionInbox& inbox = *req->inbox;
    std::lock_guard lock(inbox.mu);
    // Results nobody consumed (the command never read the key) must not pile up.
    if (inbox.results.size() > 1024) inbox.results.clear();
    inbox.results.push_back(InboxResult{req->hash, outcome, std::move(record), std::move(object)});
    inbox.nonempty.store(true, std::memory_order_release);
  }
  pending_reads.fetch_sub(1, std::memory_order_relaxed);
  PendingBatch* batch = req->batch;
  delete req;
  if (batch->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    if (batch->waiter != nullptr) batch->waiter->OnResident();
    delete batch;
  }
}

void HybridLogStore::ProcessDiskRequest(DiskRequest* req) { OnReadDone(req, req->status); }

}  // namespace ferrite::storage::kv
