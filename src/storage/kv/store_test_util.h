#pragma once
// Helpers for HybridLog store tests: tiny-page options, a blocking ResidencyWaiter, and
// Read/Upsert wrappers that resolve Pending through EnsureResident the way the server does.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "io/mem_device.h"
#include "storage/hlog/hybrid_log_store.h"

namespace ferrite::storage::testing {

class BlockingWaiter final : public ResidencyWaiter {
 public:
  void OnResident() override {
    std::lock_guard lock(mu_);
    done_ = true;
    cv_.notify_all();
  }
  // Returns false after 60 s: a lost wake-up is a bug the test must report, not hang on.
  bool Wait() {
    std::unique_lock lock(mu_);
    bool ok = cv_.wait_for(lock, std::chrono::seconds(60), [this] { return done_; });
    done_ = false;
    return ok;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

// Options for a store of `memory_pages` pages of `page_size` bytes on `device`.
inline HybridLogOptions TinyOptions(std::shared_ptr<io::Device> device, uint64_t memory_pages,
                                    uint32_t page_size = 4096, int64_t* clock = nullptr) {
  HybridLogOptions o;
  o.device = std::move(device);
  o.page_size = page_size;
  o.segment_size = uint64_t{page_size} * 4;
  o.index_fraction = 0.001;
  o.mutable_fraction = 0.5;
  // Mirrors NewHybridLogStore's fixed overhead so exactly `memory_pages` pages fit.
  uint64_t fixed = 64 * 64 + (uint64_t{1} << 19) + 256 * 1024 + page_size;
  o.max_memory = fixed + memory_pages * page_size;
  o.index_fraction = 4096.0 / static_cast<double>(o.max_memory);
  if (clock != nullptr) o.clock = [clock] { return *clock; };
  return o;
}

// Runs `op` until it stops returning Pending, calling EnsureResident in between.
inline Status Resolve(StoreSession& s, DbIndex db, std::string_view key,
                      const std::function<Status()>& op) {
  BlockingWaiter waiter;
  for (int i = 0; i < 100; ++i) {
    Status st = op();
    if (!st.IsPending()) return st;
    std::string_view keys[] = {key};
    if (!s.EnsureResident(db, keys, &waiter)) {
      if (!waiter.Wait()) return Status::Aborted("residency waiter never called");
    }
  }
  return Status::Aborted("still pending after 100 rounds");
}

inline std::optional<std::string> Get(StoreSession& s, DbIndex db, std::string_view key,
                                      Tier* tier = nullptr, Status* status = nullptr) {
  std::optional<std::string> out;
  Status st = Resolve(s, db, key, [&] {
    return s.Read(db, key, [&](const RecordView& r) {
      out = std::string(r.value);
      if (tier != nullptr) *tier = r.tier;
    });
  });
  if (status != nullptr) *status = st;
  return out;
}

inline Status Set(StoreSession& s, DbIndex db, std::string_view key, std::string value,
                  int64_t expire = kNoExpiry) {
  RecordBuilder rb;
  rb.value = std::move(value);
  rb.expire_at_ms = expire;
  return Resolve(s, db, key, [&] { return s.Upsert(db, key, rb); });
}

inline Status Del(StoreSession& s, DbIndex db, std::string_view key) {
  return Resolve(s, db, key, [&] { return s.Delete(db, key); });
}

// Polls `cond` (the worker moves regions asynchronously); false after 30 s.
inline bool WaitFor(const std::function<bool()>& cond) {
  for (int i = 0; i < 30000; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return cond();
}

}  // namespace ferrite::storage::testing
