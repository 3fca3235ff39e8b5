#include "base/clock.h"

namespace ferrite {

namespace clock_internal {
constinit std::atomic<int64_t> g_coarse_wall_ms{0};
constinit std::atomic<int64_t> g_coarse_wall_us{0};
constinit std::atomic<int64_t> g_coarse_monotonic_us{0};
}  // namespace clock_internal

void UpdateCoarseClock() noexcept {
  int64_t wall_us = WallUs();
  clock_internal::g_coarse_wall_us.store(wall_us, std::memory_order_relaxed);
  clock_internal::g_coarse_wall_ms.store(wall_us / 1000, std::memory_order_relaxed);
  clock_internal::g_coarse_monotonic_us.store(MonotonicUs(), std::memory_order_relaxed);
}

}  // namespace ferrite
