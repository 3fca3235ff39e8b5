#include "server/key_locks.h"

#include <xxhash.h>

#include <algorithm>
#include <thread>

namespace ferrite::server {

size_t KeyLockTable::StripeOf(std::string_view key) {
  return XXH3_64bits(key.data(), key.size()) & (kStripes - 1);
}

void KeyLockTable::LockStripe(size_t stripe) {
  std::atomic<bool>& l = stripes_[stripe];
  for (int spins = 0;; ++spins) {
    if (!l.exchange(true, std::memory_order_acquire)) return;
    while (l.load(std::memory_order_relaxed)) {
      // Holders run a single command on the CPU, so the wait is short; yield if it is not.
      if (++spins > 64) std::this_thread::yield();
    }
  }
}

void KeyLockTable::UnlockStripe(size_t stripe) {
  stripes_[stripe].store(false, std::memory_order_release);
}

KeyLockGuard::KeyLockGuard(KeyLockTable& table, std::span<const std::string_view> keys, bool all)
    : table_(table), all_(all || keys.size() > KeyLockTable::kMaxKeysPerGuard) {
  if (all_) {
    for (size_t s = 0; s < KeyLockTable::kStripes; ++s) table_.LockStripe(s);
    return;
  }
  for (std::string_view k : keys) stripes_[count_++] = KeyLockTable::StripeOf(k);
  std::sort(stripes_, stripes_ + count_);
  count_ = std::unique(stripes_, stripes_ + count_) - stripes_;
  for (size_t i = 0; i < count_; ++i) table_.LockStripe(stripes_[i]);
}

void KeyLockGuard::Release() {
  if (!held_) return;
  held_ = false;
  if (all_) {
    for (size_t s = KeyLockTable::kStripes; s-- > 0;) table_.UnlockStripe(s);
    return;
  }
  for (size_t i = count_; i-- > 0;) table_.UnlockStripe(stripes_[i]);
}

}  // namespace ferrite::server
