#pragma once
// BlockingWaiter: a storage::ResidencyWaiter for threads that may simply wait (startup recovery,
// DEBUG RELOAD), and UpsertResident, an upsert that waits for an on-disk old record.
//
// Thread safety: OnResident is called by the store's I/O thread, Wait by the waiting thread.

#include <condition_variable>
#include <mutex>
#include <string_view>

#include "storage/store.h"

namespace ferrite::app {

class BlockingWaiter final : public storage::ResidencyWaiter {
 public:
  void OnResident() override {
    std::lock_guard lock(mu_);
    ready_ = true;
    cv_.notify_one();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return ready_; });
    ready_ = false;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false;
};

// Upserts `rec`, first making the key's old record resident when it is on disk (a data set
// larger than memory spills as the store fills). REQUIRES: `session` is not protected.
inline Status UpsertResident(storage::StoreSession& session, BlockingWaiter& waiter,
                             storage::DbIndex db, std::string_view key,
                             storage::RecordBuilder& rec) {
  for (;;) {
    Status st = session.Upsert(db, key, rec);
    if (!st.IsPending()) return st;
    std::string_view keys[] = {key};
    if (!session.EnsureResident(db, keys, &waiter)) waiter.Wait();
  }
}

}  // namespace ferrite::app
