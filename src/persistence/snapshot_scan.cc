#include "persistence/snapshot_scan.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ferrite::persistence {

namespace {

constexpr size_t kBatch = server::KeyLockTable::kMaxKeysPerGuard;  // KeyLockGuard's maximum

// Waits for StoreSession::EnsureResident on the scanning thread.
class BlockingWaiter final : public storage::ResidencyWaiter {
 public:
  void OnResident() override {
    std::lock_guard<std::mutex> g(mu_);
    done_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return done_; });
    done_ = false;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

// Reads and delivers one slice of keys (at most kBatch, any databases) with their stripes held.
// An item with a record that is still its key's newest is encoded from it (no disk read); the
// others are read through the session, made resident first.
class SliceReader {
 public:
  SliceReader(storage::StoreSession& session, server::KeyLockTable& locks,
              const SnapshotCallbacks& cb)
      : session_(session), locks_(locks), cb_(cb) {}

  Status Deliver(std::span<const storage::StorageOrderItem> items) {
    read_self_.assign(items.size(), false);
    for (size_t i = 0; i < items.size(); ++i) read_self_[i] = !items[i].has_record;
    keys_.clear();
    for (const storage::StorageOrderItem& item : items) keys_.push_back(item.key);
    for (int attempt = 0;; ++attempt) {
      MakeResident(items);
      encoded_.clear();
      runs_.clear();
      bool pending = false;
      Status encode_status;
      // The stripes stay locked until the slice is delivered (see the header).
      server::KeyLockGuard guard(locks_, keys_);
      for (size_t i = 0; i < items.size() && !pending; ++i) {
        const storage::StorageOrderItem& item = items[i];
        if (runs_.empty() || runs_.back().first != item.db) runs_.emplace_back(item.db, 0);
        if (!read_self_[i] && session_.IsCurrentVersion(item)) {
          encode_status = cb_.encode(item.db, item.key, item.record, &encoded_);
        } else {
          Status st = session_.Read(item.db, item.key, [&](const storage::RecordView& rec) {
            encode_status = cb_.encode(item.db, item.key, rec, &encoded_);
          });
          // Changed and gone to disk since the scan read it, or evicted again since MakeResident.
          if (st.IsPending()) pending = read_self_[i] = true;
        }
        if (!encode_status.ok()) return encode_status;
        runs_.back().second = encoded_.size();
      }
      if (pending) {
        if (attempt > 100) return Status::Unavailable("records keep leaving memory");
        continue;  // retry with the locks dropped
      }
      size_t from = 0;
      for (const auto& [db, to] : runs_) {
        cb_.deliver(db, std::string_view(encoded_).substr(from, to - from));
        from = to;
      }
      return Status::Ok();
    }
  }

 private:
  // Brings the records of the keys read through the session into memory, database by database.
  void MakeResident(std::span<const storage::StorageOrderItem> items) {
    for (size_t i = 0; i < items.size(); ++i) {
      if (!read_self_[i]) continue;
      const storage::DbIndex db = items[i].db;
      bool done_before = false;
      for (size_t j = 0; j < i && !done_before; ++j)
        done_before = read_self_[j] && items[j].db == db;
      if (done_before) continue;
      views_.clear();
      for (size_t j = i; j < items.size(); ++j) {
        if (read_self_[j] && items[j].db == db) views_.push_back(items[j].key);
      }
      if (!session_.EnsureResident(db, views_, &waiter_)) waiter_.Wait();
    }
  }

  storage::StoreSession& session_;
  server::KeyLockTable& locks_;
  const SnapshotCallbacks& cb_;
  BlockingWaiter waiter_;
  std::vector<bool> read_self_;
  std::vector<std::string_view> keys_;
  std::vector<std::string_view> views_;
  std::string encoded_;
  std::vector<std::pair<storage::DbIndex, size_t>> runs_;  // (db, end of its bytes in encoded_)
};

// The index-driven scan, database by database: for stores without a storage-order scan, or when
// the log was compacted under one.
Status ScanByCursor(storage::Store& store, storage::StoreSession& session, SliceReader& reader,
                    const SnapshotCallbacks& cb) {
  std::vector<std::string> keys;
  std::vector<storage::StorageOrderItem> items;
  for (storage::DbIndex db = 0; db < store.num_databases(); ++db) {
    // An empty database is skipped: a scan walks the whole index (reading on-disk records to
    // learn their database), so 16 scans cost 16 passes over a larger-than-memory log. A key
    // written there after this check was written after the snapshot began, and the capture of
    // concurrent writes (see the header) carries it.
    if (store.KeyCount(db) == 0) continue;
    uint64_t cursor = 0;
    do {
      if (cb.cancelled()) return Status::Aborted("cancelled");
      keys.clear();
      cursor = session.Scan(
          db, cursor, kBatch,
          [&](std::string_view key, const storage::RecordView&) { keys.emplace_back(key); });
      items.clear();
      for (const std::string& key : keys) items.push_back({.db = db, .key = key});
      // Scan may return more than asked: lock and read in slices KeyLockGuard can take.
      for (size_t begin = 0; begin < items.size(); begin += kBatch) {
        size_t n = std::min(items.size() - begin, kBatch);
        Status st = reader.Deliver(std::span(items).subspan(begin, n));
        if (!st.ok()) return st;
      }
      Status st = cb.after_batch();
      if (!st.ok()) return st;
    } while (cursor != 0);
  }
  return Status::Ok();
}

}  // namespace

Status SnapshotScan(storage::Store& store, server::KeyLockTable& locks,
                    const SnapshotCallbacks& cb) {
  std::unique_ptr<storage::StoreSession> session = store.NewSession();
  SliceReader reader(*session, locks, cb);
  // Storage order first: on-disk records are read sequentially and, when unchanged, encoded
  // straight from that read.
  Status st = session->ScanStorageOrder([&](std::span<const storage::StorageOrderItem> items) {
    for (size_t begin = 0; begin < items.size(); begin += kBatch) {
      if (cb.cancelled()) return Status::Aborted("cancelled");
      Status s = reader.Deliver(items.subspan(begin, std::min(items.size() - begin, kBatch)));
      if (!s.ok()) return s;
    }
    return cb.after_batch();
  });
  if (st.code() != StatusCode::kUnavailable) return st;
  return ScanByCursor(store, *session, reader, cb);
}

}  // namespace ferrite::persistence
