#pragma once
// SpscRing<T>: a bounded single-producer / single-consumer ring of trivially copyable records.
//
// The producer is the thread that owns the ring (an event-loop thread); the consumer is the
// telemetry exporter thread. TryPush never blocks: when the ring is full it returns false and
// the caller counts a drop. Memory is allocated once, at construction (which happens once per
// thread, off the per-command path). T must be trivially copyable and implicit-lifetime.
//
// Invariants: head_ <= tail_ <= head_ + capacity. Only the producer writes tail_, only the
// consumer writes head_. A slot is published by the release-store of tail_ after it is written,
// and released back by the release-store of head_ after it is read; each side caches the other's
// index to avoid touching the shared cache line on every call.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

namespace ferrite::telemetry {

// How a record enters and leaves a ring: the whole object by default. A record type with large
// optional parts specialises this to copy only what is used (see CommandRecord).
template <typename T>
struct RingCopy {
  static void Copy(T* dst, const T& src) noexcept {
    std::memcpy(static_cast<void*>(dst), &src, sizeof(T));
  }
};

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  // REQUIRES: capacity is a power of two >= 2.
  explicit SpscRing(size_t capacity)
      : mask_(capacity - 1),
        slots_(
            static_cast<T*>(::operator new[](capacity * sizeof(T), std::align_val_t(alignof(T))))) {
  }
  ~SpscRing() { ::operator delete[](slots_, std::align_val_t(alignof(T))); }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  size_t capacity() const noexcept { return mask_ + 1; }

  // Producer side.
  bool TryPush(const T& item) noexcept {
    uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - cached_head_ > mask_) {
      cached_head_ = head_.load(std::memory_order_acquire);
      if (tail - cached_head_ > mask_) return false;
    }
    RingCopy<T>::Copy(&slots_[tail & mask_], item);
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Consumer side: copies the oldest record into *out.
  bool TryPop(T* out) noexcept {
    uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == cached_tail_) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (head == cached_tail_) return false;
    }
    RingCopy<T>::Copy(out, slots_[head & mask_]);
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Consumer side, without a copy: the oldest record in place (nullptr when empty). It stays
  // valid, and unchanged, until PopFront releases its slot to the producer.
  const T* Front() noexcept {
    uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == cached_tail_) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (head == cached_tail_) return nullptr;
    }
    return &slots_[head & mask_];
  }
  // REQUIRES: Front() returned a record since the last PopFront.
  void PopFront() noexcept {
    head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  // Approximate fill level; any thread.
  size_t SizeApprox() const noexcept {
    uint64_t t = tail_.load(std::memory_order_acquire);
    uint64_t h = head_.load(std::memory_order_acquire);
    return t >= h ? static_cast<size_t>(t - h) : 0;
  }

 private:
  const size_t mask_;
  // Raw storage, written only through RingCopy (memcpy): pages are touched on first use, so an
  // idle thread's ring costs address space, not resident memory.
  T* slots_;
  alignas(64) std::atomic<uint64_t> tail_{0};
  uint64_t cached_head_ = 0;  // producer's view of head_
  alignas(64) std::atomic<uint64_t> head_{0};
  uint64_t cached_tail_ = 0;  // consumer's view of tail_
};

}  // namespace ferrite::telemetry
