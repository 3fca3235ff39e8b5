#pragma once
// LightEpoch: FASTER's epoch protection. A thread Protect()s before touching shared log memory
// and Unprotect()s after; BumpEpoch(action) advances the global epoch and runs `action` once
// every thread that could have seen the old state has moved on, so memory can be freed and
// region boundaries shifted without locks on the read path.
//
// Invariants:
//   - current_ starts at 1 and only grows. A slot's local epoch is 0 (unprotected) or the value
//     of current_ when the slot last protected or refreshed.
//   - SafeToReclaim = (min local epoch over protected slots) - 1, or current_ - 1 when none is
//     protected. An action registered by BumpEpoch at prior epoch p runs when SafeToReclaim >= p,
//     exactly once, on whichever thread drains first (a protecting thread or Drain()).
//   - The drain list is a fixed array; each entry moves kFree -> kLocked -> epoch -> kLocked ->
//     kFree by CAS, so registering and draining never take a lock.
//
// Thread safety: all methods are safe from any thread. A slot is used by one thread at a time
// (a storage session owns one). Actions must be short and thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>

namespace ferrite::storage::epoch {

class LightEpoch {
 public:
  static constexpr uint32_t kMaxSlots = 256;
  static constexpr uint32_t kDrainListSize = 256;

  LightEpoch() = default;
  // Runs every action still registered (DrainAll): no thread is protected any more.
  ~LightEpoch();
  LightEpoch(const LightEpoch&) = delete;
  LightEpoch& operator=(const LightEpoch&) = delete;

  // Runs every registered action now, whatever its epoch. For shutdown: an owner calls it while
  // the structures the actions touch still exist (the destructor runs too late for members
  // declared after the epoch). REQUIRES: no thread is protected.
  void DrainAll();

  // A free slot for a new thread/session, or kMaxSlots when all are taken.
  uint32_t AcquireSlot();
  // REQUIRES: the slot is unprotected.
  void ReleaseSlot(uint32_t slot);

  // Enters the current epoch (and runs ready actions). Returns the epoch entered.
  uint64_t Protect(uint32_t slot) {
    uint64_t e = current_.load(std::memory_order_acquire);
    // seq_cst: the store must be visible before this thread reads any shared address, or the
    // reclaimer could miss it.
    slots_[slot].local.store(e, std::memory_order_seq_cst);
    if (drain_count_.load(std::memory_order_acquire) > 0) Drain();
    return e;
  }
  void Unprotect(uint32_t slot) { slots_[slot].local.store(0, std::memory_order_release); }
  // Moves a protected slot to the current epoch: the thread holds no pointer from before.
  uint64_t Refresh(uint32_t slot) { return Protect(slot); }
  bool IsProtected(uint32_t slot) const {
    return slots_[slot].local.load(std::memory_order_relaxed) != 0;
  }

  // Advances the epoch; returns the new value.
  uint64_t BumpEpoch() { return current_.fetch_add(1, std::memory_order_seq_cst) + 1; }
  // Advances the epoch and registers `action` to run once the prior epoch is safe.
  uint64_t BumpEpoch(std::function<void()> action);

  // Runs every action whose epoch is safe. Returns how many ran.
  size_t Drain();
  uint64_t CurrentEpoch() const { return current_.load(std::memory_order_acquire); }
  uint64_t ComputeSafeToReclaim() const;
  uint32_t PendingActions() const { return drain_count_.load(std::memory_order_acquire); }

 private:
  static constexpr uint64_t kFree = ~uint64_t{0};
  static constexpr uint64_t kLocked = ~uint64_t{0} - 1;

  struct alignas(64) Slot {
    std::atomic<uint64_t> local{0};
    std::atomic<bool> in_use{false};
  };
  struct DrainEntry {
    std::atomic<uint64_t> epoch{kFree};
    std::function<void()> action;  // written only while epoch == kLocked by the locker
  };

  alignas(64) std::atomic<uint64_t> current_{1};
  alignas(64) std::atomic<uint32_t> drain_count_{0};
  Slot slots_[kMaxSlots];
  DrainEntry drain_[kDrainListSize];
};

// RAII protection for a scope on an acquired slot.
class EpochGuard {
 public:
  EpochGuard(LightEpoch& epoch, uint32_t slot) : epoch_(epoch), slot_(slot) {
    epoch_.Protect(slot_);
  }
  ~EpochGuard() { epoch_.Unprotect(slot_); }
  EpochGuard(const EpochGuard&) = delete;
  EpochGuard& operator=(const EpochGuard&) = delete;

 private:
  LightEpoch& epoch_;
  uint32_t slot_;
};

}  // namespace ferrite::storage::epoch
