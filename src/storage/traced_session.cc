#include "storage/traced_session.h"

#include "telemetry/api/command_trace.h"

namespace ferrite::storage {
namespace {

using telemetry::Step;
using telemetry::StepScope;

// True when the command running on this thread records sub-steps.
inline bool Tracing() noexcept {
  telemetry::CommandTrace* t = telemetry::ActiveCommandTrace();
  return t != nullptr && t->sampled();
}

telemetry::Tier ToTelemetry(Tier tier) noexcept {
  switch (tier) {
    case Tier::kMutable:
      return telemetry::Tier::kMutable;
    case Tier::kReadOnly:
      return telemetry::Tier::kReadOnly;
    case Tier::kDisk:
      return telemetry::Tier::kDisk;
  }
  return telemetry::Tier::kNone;
}

uint64_t RecordBytes(const RecordView& r) noexcept {
  return r.object != nullptr ? r.object->MemoryUsage() : r.value.size();
}

class TracedSession final : public StoreSession {
 public:
  explicit TracedSession(std::unique_ptr<StoreSession> inner) : inner_(std::move(inner)) {}

  Status Read(DbIndex db, std::string_view key, RecordReader reader) override {
    if (!Tracing()) return inner_->Read(db, key, reader);
    StepScope step(Step::kStorageRead);
    Tier tier = Tier::kMutable;
    uint64_t bytes = 0;
    Status st = inner_->Read(db, key, [&](const RecordView& r) {
      tier = r.tier;
      bytes = RecordBytes(r);
      reader(r);
    });
    // A miss or a pending disk read is still a read: tier disk when it must wait for the disk.
    if (st.IsPending()) tier = Tier::kDisk;
    step.SetTier(ToTelemetry(tier));
    step.SetCacheHit(st.ok() && tier == Tier::kMutable);
    step.SetBytes(bytes);
    return st;
  }

  Status Upsert(DbIndex db, std::string_view key, const RecordBuilder& record) override {
    if (!Tracing()) return inner_->Upsert(db, key, record);
    StepScope step(Step::kStorageWrite);
    step.SetTier(telemetry::Tier::kMutable);  // writes always land at the mutable tail
    step.SetBytes(record.object != nullptr ? record.object->MemoryUsage() : record.value.size());
    return inner_->Upsert(db, key, record);
  }

  Status Rmw(DbIndex db, std::string_view key, RmwFunctions& fns) override {
    if (!Tracing()) return inner_->Rmw(db, key, fns);
    StepScope step(Step::kStorageWrite);
    step.SetTier(telemetry::Tier::kMutable);
    return inner_->Rmw(db, key, fns);
  }

  Status Delete(DbIndex db, std::string_view key) override {
    if (!Tracing()) return inner_->Delete(db, key);
    StepScope step(Step::kStorageWrite);
    step.SetTier(telemetry::Tier::kMutable);
    return inner_->Delete(db, key);
  }

  bool EnsureResident(DbIndex db, std::span<const std::string_view> keys,
                      ResidencyWaiter* waiter) override {
    return inner_->EnsureResident(db, keys, waiter);
  }
  uint64_t Scan(DbIndex db, uint64_t cursor, size_t count, ScanCallback fn) override {
    return inner_->Scan(db, cursor, count, fn);
  }
  Result<std::string> RandomKey(DbIndex db) override { return inner_->RandomKey(db); }

  void Protect() override {
    if (!Tracing()) return inner_->Protect();
    StepScope step(Step::kEpochAdvance);
    inner_->Protect();
  }
  void Unprotect() override { inner_->Unprotect(); }

 private:
  std::unique_ptr<StoreSession> inner_;
};

}  // namespace

std::unique_ptr<StoreSession> NewTracedSession(std::unique_ptr<StoreSession> inner) {
  return std::make_unique<TracedSession>(std::move(inner));
}

}  // namespace ferrite::storage
