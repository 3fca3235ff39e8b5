#include "storage/epoch/light_epoch.h"

#include <thread>
#include <utility>

namespace ferrite::storage::epoch {

LightEpoch::~LightEpoch() { DrainAll(); }

void LightEpoch::DrainAll() {
  // An action may register another (closing pages bumps the epoch again): repeat until none.
  while (drain_count_.load(std::memory_order_acquire) > 0) {
    for (DrainEntry& d : drain_) {
      uint64_t e = d.epoch.load(std::memory_order_acquire);
      if (e != kFree && e != kLocked && d.epoch.compare_exchange_strong(e, kLocked)) {
        auto action = std::move(d.action);
        d.action = nullptr;
        d.epoch.store(kFree, std::memory_order_release);
        drain_count_.fetch_sub(1, std::memory_order_acq_rel);
        action();
      }
    }
  }
}

uint32_t LightEpoch::AcquireSlot() {
  for (uint32_t i = 0; i < kMaxSlots; ++i) {
    bool expected = false;
    if (!slots_[i].in_use.load(std::memory_order_relaxed) &&
        slots_[i].in_use.compare_exchange_strong(expected, true)) {
      return i;
    }
  }
  return kMaxSlots;
}

void LightEpoch::ReleaseSlot(uint32_t slot) {
  slots_[slot].local.store(0, std::memory_order_release);
  slots_[slot].in_use.store(false, std::memory_order_release);
}

uint64_t LightEpoch::ComputeSafeToReclaim() const {
  uint64_t oldest = current_.load(std::memory_order_seq_cst);
  for (const Slot& s : slots_) {
    uint64_t e = s.local.load(std::memory_order_seq_cst);
    if (e != 0 && e < oldest) oldest = e;
  }
  return oldest - 1;
}

uint64_t LightEpoch::BumpEpoch(std::function<void()> action) {
  uint64_t prior = current_.fetch_add(1, std::memory_order_seq_cst);
  for (;;) {
    for (DrainEntry& d : drain_) {
      uint64_t e = d.epoch.load(std::memory_order_acquire);
      if (e == kFree && d.epoch.compare_exchange_strong(e, kLocked)) {
        d.action = std::move(action);
        drain_count_.fetch_add(1, std::memory_order_acq_rel);
        d.epoch.store(prior, std::memory_order_release);
        return prior + 1;
      }
    }
    // The list is full: run what is ready and look again.
    Drain();
    std::this_thread::yield();
  }
}

size_t LightEpoch::Drain() {
  uint64_t safe = ComputeSafeToReclaim();
  size_t ran = 0;
  for (DrainEntry& d : drain_) {
    uint64_t e = d.epoch.load(std::memory_order_acquire);
    if (e <= safe && e != kFree && e != kLocked && d.epoch.compare_exchange_strong(e, kLocked)) {
      auto action = std::move(d.action);
      d.action = nullptr;
      d.epoch.store(kFree, std::memory_order_release);
      drain_count_.fetch_sub(1, std::memory_order_acq_rel);
      action();
      ++ran;
    }
  }
  return ran;
}

}  // namespace ferrite::storage::epoch
