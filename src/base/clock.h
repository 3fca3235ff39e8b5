#pragma once
// Clocks: monotonic time for durations, wall time for timestamps and expiry, and a coarse cached
// copy of both that hot paths read with one relaxed atomic load instead of a clock_gettime call.
//
// The coarse clock is refreshed by UpdateCoarseClock(), which the server's cron calls every tick
// (hz times a second) and the app calls once at startup; readers see a value at most one tick
// old. Before the first update the coarse readers fall back to the precise clocks, so they never
// return 0.
//
// Thread safety: every function may be called from any thread.

#include <atomic>
#include <cstdint>
#include <ctime>

namespace ferrite {

namespace clock_internal {
inline int64_t ReadClock(clockid_t id, int64_t divisor) noexcept {
  timespec ts;
  clock_gettime(id, &ts);
  return (int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec) / divisor;
}
extern std::atomic<int64_t> g_coarse_wall_ms;
extern std::atomic<int64_t> g_coarse_wall_us;
extern std::atomic<int64_t> g_coarse_monotonic_us;
}  // namespace clock_internal

// Monotonic (CLOCK_MONOTONIC): for durations and timeouts; unaffected by wall-clock steps.
inline int64_t MonotonicNs() noexcept { return clock_internal::ReadClock(CLOCK_MONOTONIC, 1); }
inline int64_t MonotonicUs() noexcept { return clock_internal::ReadClock(CLOCK_MONOTONIC, 1000); }
inline int64_t MonotonicMs() noexcept {
  return clock_internal::ReadClock(CLOCK_MONOTONIC, 1'000'000);
}

// Wall clock (CLOCK_REALTIME), Unix epoch: for expiry, TIME, log timestamps.
inline int64_t WallUs() noexcept { return clock_internal::ReadClock(CLOCK_REALTIME, 1000); }
inline int64_t WallMs() noexcept { return clock_internal::ReadClock(CLOCK_REALTIME, 1'000'000); }

// Reads the clocks and publishes them to the coarse readers below.
void UpdateCoarseClock() noexcept;

inline int64_t CoarseWallMs() noexcept {
  int64_t v = clock_internal::g_coarse_wall_ms.load(std::memory_order_relaxed);
  return v != 0 ? v : WallMs();
}
inline int64_t CoarseWallUs() noexcept {
  int64_t v = clock_internal::g_coarse_wall_us.load(std::memory_order_relaxed);
  return v != 0 ? v : WallUs();
}
inline int64_t CoarseMonotonicUs() noexcept {
  int64_t v = clock_internal::g_coarse_monotonic_us.load(std::memory_order_relaxed);
  return v != 0 ? v : MonotonicUs();
}

}  // namespace ferrite
