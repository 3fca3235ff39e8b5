#pragma once
// KeyLockTable: makes each command atomic with respect to every other command on its keys.
//
// Keys hash (by their bytes only, so the same key in two databases shares a stripe, which covers
// MOVE and COPY ... DB) onto a fixed array of spin latches. A command locks the stripes of all its
// keys in ascending stripe order, so multi-key commands cannot deadlock, runs, then unlocks. With
// 16K stripes two unrelated keys collide rarely, and an uncontended lock is one atomic exchange.
// The latches are single bytes (16 KiB in all, cache-resident); two threads touching neighbours
// in one cache line is rare enough that padding each to a line would cost more than it saves.
//
// Locks are held only while a handler runs on the CPU: never across disk I/O (commands go
// pending before they lock) and never across a network round trip.
//
// Thread safety: all methods are safe from any thread. A KeyLockGuard must be released by the
// thread that acquired it.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ferrite::server {

class KeyLockTable {
 public:
  static constexpr size_t kStripes = 16384;
  static constexpr size_t kMaxKeysPerGuard = 64;  // beyond this a command takes every stripe

  static size_t StripeOf(std::string_view key);

  void LockStripe(size_t stripe);
  void UnlockStripe(size_t stripe);

 private:
  std::atomic<bool> stripes_[kStripes] = {};
};

// Locks the stripes of `keys` (deduplicated and sorted) for the guard's lifetime. With more keys
// than kMaxKeysPerGuard, or `all` set (FLUSHALL, SWAPDB, MULTI/EXEC over many keys), it takes
// every stripe.
class KeyLockGuard {
 public:
  KeyLockGuard(KeyLockTable& table, std::span<const std::string_view> keys, bool all = false);
  ~KeyLockGuard() { Release(); }
  KeyLockGuard(const KeyLockGuard&) = delete;
  KeyLockGuard& operator=(const KeyLockGuard&) = delete;
  void Release();

 private:
  KeyLockTable& table_;
  bool all_ = false;
  bool held_ = true;
  size_t count_ = 0;
  uint16_t stripes_[KeyLockTable::kMaxKeysPerGuard];
};

}  // namespace ferrite::server
