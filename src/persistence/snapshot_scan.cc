#include "persistence/snapshot_scan.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
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

}  // namespace

Status SnapshotScan(storage::Store& store, server::KeyLockTable& locks,
                    const SnapshotCallbacks& cb) {
  std::unique_ptr<storage::StoreSession> session = store.NewSession();
  BlockingWaiter waiter;
  std::vector<std::string> keys;
  std::vector<std::string_view> views;
  std::string encoded;
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
      cursor = session->Scan(
          db, cursor, kBatch,
          [&](std::string_view key, const storage::RecordView&) { keys.emplace_back(key); });
      // Scan may return more than asked: lock and read in slices KeyLockGuard can take.
      for (size_t begin = 0; begin < keys.size(); begin += kBatch) {
        size_t end = std::min(keys.size(), begin + kBatch);
        views.assign(keys.begin() + begin, keys.begin() + end);
        for (int attempt = 0;; ++attempt) {
          if (!session->EnsureResident(db, views, &waiter)) waiter.Wait();
          encoded.clear();
          bool pending = false;
          Status encode_status;
          // The stripes stay locked until the batch is delivered (see the header).
          server::KeyLockGuard guard(locks, views);
          for (std::string_view key : views) {
            Status st = session->Read(db, key, [&](const storage::RecordView& rec) {
              Status s = cb.encode(db, key, rec, &encoded);
              if (!s.ok()) encode_status = s;
            });
            if (st.IsPending()) {
              pending = true;
              break;
            }
            if (!encode_status.ok()) return encode_status;
          }
          if (pending) {
            // Evicted again between EnsureResident and the read: retry with the locks dropped.
            if (attempt > 100) return Status::Unavailable("records keep leaving memory");
            continue;
          }
          cb.deliver(db, encoded);
          break;
        }
      }
      Status st = cb.after_batch();
      if (!st.ok()) return st;
    } while (cursor != 0);
  }
  return Status::Ok();
}

}  // namespace ferrite::persistence
