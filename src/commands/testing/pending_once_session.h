#pragma once
// PendingOnceSession: a StoreSession decorator for family tests that answers Pending once, for
// the first operation on one key, then forwards everything. It stands for a record that went to
// disk after the dispatcher made the command's keys resident, so tests can check that a handler
// re-run after Pending leaves nothing half done.
//
// Thread safety: as StoreSession (one thread).

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "storage/store.h"

namespace ferrite::commands::testing {

class PendingOnceSession final : public storage::StoreSession {
 public:
  PendingOnceSession(std::unique_ptr<storage::StoreSession> inner, std::string key)
      : inner_(std::move(inner)), key_(std::move(key)) {}
  Status Read(storage::DbIndex db, std::string_view key, storage::RecordReader reader) override {
    return Trip(key) ? Status::Pending() : inner_->Read(db, key, reader);
  }
  Status Upsert(storage::DbIndex db, std::string_view key,
                const storage::RecordBuilder& record) override {
    return Trip(key) ? Status::Pending() : inner_->Upsert(db, key, record);
  }
  Status Rmw(storage::DbIndex db, std::string_view key, storage::RmwFunctions& fns) override {
    return Trip(key) ? Status::Pending() : inner_->Rmw(db, key, fns);
  }
  Status Delete(storage::DbIndex db, std::string_view key) override {
    return Trip(key) ? Status::Pending() : inner_->Delete(db, key);
  }
  bool EnsureResident(storage::DbIndex db, std::span<const std::string_view> keys,
                      storage::ResidencyWaiter* waiter) override {
    return inner_->EnsureResident(db, keys, waiter);
  }
  uint64_t Scan(storage::DbIndex db, uint64_t cursor, size_t count,
                storage::ScanCallback fn) override {
    return inner_->Scan(db, cursor, count, fn);
  }
  Result<std::string> RandomKey(storage::DbIndex db) override { return inner_->RandomKey(db); }
  void Protect() override { inner_->Protect(); }
  void Unprotect() override { inner_->Unprotect(); }

 private:
  bool Trip(std::string_view key) {
    if (!armed_ || key != key_) return false;
    armed_ = false;
    return true;
  }
  std::unique_ptr<storage::StoreSession> inner_;
  std::string key_;
  bool armed_ = true;
};

}  // namespace ferrite::commands::testing
