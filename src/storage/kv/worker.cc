// The I/O worker: one thread per store that keeps the log moving. Each step, under its own
// epoch protection: flush pages below SafeReadOnlyAddress, move HeadAddress to keep frames free
// ahead of the tail (shifting ReadOnlyAddress early under memory pressure), start and finish disk
// reads, retry copies that waited for tail space, compact, and grow the hash index (a slice of
// the migration per step, docs/design/hybridlog.md "Hash index"). Between steps it waits on the
// io_uring (reads in flight) or a condition variable (new work) with a short timeout.

#include <algorithm>
#include <chrono>
#include <thread>

#include "storage/kv/store_impl.h"

namespace ferrite::storage::kv {

namespace {
// Old-table chunks (HashIndex::kMigrationChunk buckets each) the worker migrates per step before
// it flushes and evicts again.
constexpr int kGrowChunksPerStep = 64;
// The index may use at most 1/kIndexBudgetShare of max_memory, counting both tables while a
// growth runs; past that, buckets keep their overflow chains.
constexpr uint64_t kIndexBudgetShare = 2;
}  // namespace

void HybridLogStore::GrowIndexStep(uint32_t slot) {
  if (!index_.growing()) {
    if (!index_.ShouldGrow()) return;
    if (index_.MemoryBytes() + index_.GrowthBytes() > max_memory() / kIndexBudgetShare) return;
    if (!index_.StartGrow()) return;
    // The next step's frame cap counts the new table: pages are evicted to make room for it.
  }
  for (int n = 0; n < kGrowChunksPerStep && index_.MigrateOneChunk(); ++n) {
    epoch_.Refresh(slot);  // let page closes and other epoch actions run between chunks
  }
  index_.FinishGrow();
}

void HybridLogStore::WakeWorker() {
  if (!work_flag_.exchange(true, std::memory_order_acq_rel)) {
    std::lock_guard lock(work_mu_);
    work_cv_.notify_one();
  }
}

Status HybridLogStore::WriteBlocked() const {
  switch (write_block_.load(std::memory_order_acquire)) {
    case 1:
      return Status::NoSpace("no space left on the storage device; writes are refused");
    case 2:
      return Status::OutOfMemory("command not allowed when used memory > 'maxmemory'");
    case 3:
      return Status::IoError("storage device write error; writes are refused");
    default:
      return Status::Ok();
  }
}

void HybridLogStore::UpdateWriteBlock(const Status& fs) {
  if (fs.ok()) {
    write_block_.store(0, std::memory_order_release);
    return;
  }
  // Only an error that keeps the tail from advancing blocks writes; until memory is full the
  // writers never consult this.
  if (fs.code() == StatusCode::kNoSpace && log_.disk_full()) {
    if (options_.policy != MaxMemoryPolicy::kNoEviction) {
      bool volatile_only = options_.policy >= MaxMemoryPolicy::kVolatileLru;
      if (CompactOldestSegment(volatile_only ? 2 : 1)) return;
    } else if (CompactOldestSegment(0)) {
      return;  // compaction freed room: no eviction needed
    }
    write_block_.store(2, std::memory_order_release);
  } else if (fs.code() == StatusCode::kNoSpace) {
    write_block_.store(1, std::memory_order_release);
  } else {
    write_block_.store(3, std::memory_order_release);
  }
}

void HybridLogStore::WorkerStep() {
  const uint32_t slot = worker_session_->slot();
  epoch_.Protect(slot);
  Status fs = log_.FlushPages();
  UpdateWriteBlock(fs);
  const uint64_t pages = EffectiveMemoryPages();
  log_.SetFrameLimit(pages);
  Address desired = log_.DesiredHeadAddress(pages);
  if (ObjectsOverBudget()) {
    // Even the smallest in-memory log holds too many collection bytes: keep only the tail page,
    // so every other page is flushed and closed and its objects freed.
    desired = std::max(desired, log_.TailAddress() & ~(log_.page_size() - 1));
  }
  if (log_.FlushedUntilAddress() < desired) log_.ShiftReadOnlyAddress(desired);
  log_.ShiftHeadAddress(desired);

  std::vector<DiskRequest*> fresh;
  {
    std::lock_guard lock(work_mu_);
    fresh.swap(incoming_);
  }
  for (DiskRequest* req : fresh) IssueRead(req);
  device_->Poll(0);
  while (!completed_.empty()) {
    DiskRequest* req = completed_.front();
    completed_.pop_front();
    ProcessDiskRequest(req);
  }
  for (size_t n = deferred_.size(); n > 0; --n) {
    DiskRequest* req = deferred_.front();
    deferred_.pop_front();
    if (!CopyToTail(req)) deferred_.push_back(req);
  }
  MaybeCompact();
  GrowIndexStep(slot);
  epoch_.Unprotect(slot);
  log_.RemoveDeadSegments();
  epoch_.Drain();
}

void HybridLogStore::WorkerLoop() {
  while (!stop_.load(std::memory_order_acquire)) {
    WorkerStep();
    if (device_->InFlight() > 0) {
      device_->Poll(500);  // callbacks only queue; processing happens in the next step
      continue;
    }
    if (index_.growing()) {
      std::this_thread::yield();  // more of the migration to do next step
      continue;
    }
    if (!completed_.empty() || !deferred_.empty() || epoch_.PendingActions() > 0) {
      // Waiting for another thread to leave its epoch or for tail space: poll gently.
      std::this_thread::sleep_for(std::chrono::microseconds(completed_.empty() ? 50 : 0));
      continue;
    }
    std::unique_lock lock(work_mu_);
    work_cv_.wait_for(lock, std::chrono::milliseconds(5), [this] {
      return work_flag_.load(std::memory_order_acquire) || stop_.load();
    });
    work_flag_.store(false, std::memory_order_release);
  }
}

}  // namespace ferrite::storage::kv
