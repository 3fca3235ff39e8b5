#pragma once
// The recording side of the trace pipeline: process-wide settings, the per-thread buffers, the
// id generator and the clock. Header-only and dependency-free; the sdk plugs in through
// RecordSink.
//
// How a record travels:
//   command thread:  CommandTrace / ScopedSpan fill a record in place, then Submit() copies it
//                    into this thread's ThreadBuffer (two SPSC rings). Full ring => the record
//                    is dropped and ThreadBuffer::dropped counts it. No lock, no allocation, no
//                    syscall (ids come from a thread-local generator, time from the vDSO clock).
//   exporter thread: the sdk's TelemetryRuntime (a RecordSink) owns the list of ThreadBuffers,
//                    drains them, builds spans and exports them.
// The first Submit on a thread registers its buffer with the sink (one mutex acquisition and
// one allocation per thread lifetime, not per command). When the runtime stops it marks every
// buffer `closed`; a thread that sees `closed` re-registers with the next runtime, if any.
// Buffers are shared_ptr-owned by both sides, so neither may outlive the other's use.
//
// Settings (enabled, sampler, detail, statement mode) are relaxed atomics the runtime stores
// once at start; readers may see an update a little late, which is harmless.
//
// Thread safety: everything here may be called from any thread.

#include <time.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "telemetry/api/records.h"
#include "telemetry/api/sampler.h"
#include "telemetry/api/spsc_ring.h"
#include "telemetry/api/statement.h"

#ifndef FERRITE_OTEL
#define FERRITE_OTEL 1
#endif

namespace ferrite::telemetry {

// True when this binary was built with the otel feature (sdk and exporters present).
inline constexpr bool Available() noexcept { return FERRITE_OTEL != 0; }

// CLOCK_MONOTONIC in nanoseconds (vDSO; no kernel entry on Linux x86-64 / arm64).
inline int64_t MonotonicNanos() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

struct ThreadBuffer {
  ThreadBuffer(size_t command_capacity, size_t span_capacity)
      : commands(command_capacity), spans(span_capacity) {}
  SpscRing<CommandRecord> commands;
  SpscRing<SpanRecord> spans;
  std::atomic<uint64_t> dropped{0};  // records refused because a ring was full
  std::atomic<bool> closed{false};   // set by the runtime that owns it when it stops
  std::atomic<bool> retired{false};  // set when the producing thread exits
};

// Implemented by the sdk's TelemetryRuntime.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Called at most once per producing thread and sink, under the registration mutex.
  virtual std::shared_ptr<ThreadBuffer> RegisterThread() = 0;
};

// What the runtime publishes for the command path.
struct TraceSettings {
  bool enabled = false;
  Sampler sampler;
  SpanDetail detail = SpanDetail::kFull;
  StatementMode statement = StatementMode::kSanitized;
};

namespace internal {

struct Globals {
  std::atomic<bool> enabled{false};
  std::atomic<uint8_t> sampler_kind{static_cast<uint8_t>(SamplerKind::kParentBasedAlwaysOn)};
  std::atomic<uint64_t> sampler_threshold{0};
  std::atomic<uint8_t> detail{0};
  std::atomic<uint8_t> statement{0};
  std::atomic<uint64_t> seed{0x243f6a8885a308d3ULL};
  std::atomic<uint64_t> thread_counter{0};
  std::atomic<uint64_t> unsunk_drops{0};  // sampled records submitted while no runtime ran
  std::atomic<RecordSink*> sink{nullptr};
  std::mutex registration_mu;
};
inline constinit Globals g_globals;

inline uint64_t Mix64(uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class ThreadState {
 public:
  ~ThreadState() {
    if (buffer) buffer->retired.store(true, std::memory_order_release);
  }
  std::shared_ptr<ThreadBuffer> buffer;
  uint64_t rng = 0;
  bool seeded = false;
  void* active_command = nullptr;  // CommandTrace* of the command running on this thread
  SpanContext* active_span = nullptr;
};
inline thread_local ThreadState tls_state;

// splitmix64 over a per-thread state seeded from the runtime's seed, a thread counter, the
// thread's address and the clock.
inline uint64_t NextRandom() noexcept {
  ThreadState& t = tls_state;
  if (!t.seeded) [[unlikely]] {
    t.rng = Mix64(g_globals.seed.load(std::memory_order_relaxed) ^
                  Mix64(g_globals.thread_counter.fetch_add(1, std::memory_order_relaxed) + 1) ^
                  Mix64(reinterpret_cast<uintptr_t>(&t)) ^ static_cast<uint64_t>(MonotonicNanos()));
    t.seeded = true;
  }
  t.rng += 0x9e3779b97f4a7c15ULL;
  return Mix64(t.rng);
}

inline ThreadBuffer* RegisterSlow(ThreadState& t) noexcept {
  if (g_globals.sink.load(std::memory_order_acquire) == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(g_globals.registration_mu);
  RecordSink* sink = g_globals.sink.load(std::memory_order_acquire);
  if (sink == nullptr) return nullptr;
  try {
    t.buffer = sink->RegisterThread();
  } catch (...) {
    t.buffer.reset();
  }
  return t.buffer.get();
}

}  // namespace internal

inline TraceId NewTraceId() noexcept {
  TraceId id;
  do {
    uint64_t a = internal::NextRandom(), b = internal::NextRandom();
    std::memcpy(id.bytes.data(), &a, 8);
    std::memcpy(id.bytes.data() + 8, &b, 8);
  } while (!id.IsValid());
  return id;
}

inline SpanId NewSpanId() noexcept {
  SpanId id;
  do {
    uint64_t a = internal::NextRandom();
    std::memcpy(id.bytes.data(), &a, 8);
  } while (!id.IsValid());
  return id;
}

// Publishes settings for the command path. Called by the runtime (and by tests).
inline void InstallTraceSettings(const TraceSettings& s) noexcept {
  auto& g = internal::g_globals;
  g.sampler_kind.store(static_cast<uint8_t>(s.sampler.kind), std::memory_order_relaxed);
  g.sampler_threshold.store(s.sampler.threshold, std::memory_order_relaxed);
  g.detail.store(static_cast<uint8_t>(s.detail), std::memory_order_relaxed);
  g.statement.store(static_cast<uint8_t>(s.statement), std::memory_order_relaxed);
  g.enabled.store(s.enabled, std::memory_order_release);
}

inline bool TracingEnabled() noexcept {
  return FERRITE_OTEL && internal::g_globals.enabled.load(std::memory_order_relaxed);
}

inline Sampler CurrentSampler() noexcept {
  auto& g = internal::g_globals;
  Sampler s;
  s.kind = static_cast<SamplerKind>(g.sampler_kind.load(std::memory_order_relaxed));
  s.threshold = g.sampler_threshold.load(std::memory_order_relaxed);
  return s;
}

inline SpanDetail CurrentSpanDetail() noexcept {
  return static_cast<SpanDetail>(internal::g_globals.detail.load(std::memory_order_relaxed));
}

inline StatementMode CurrentStatementMode() noexcept {
  return static_cast<StatementMode>(internal::g_globals.statement.load(std::memory_order_relaxed));
}

// Sink management (runtime only). Setting a new sink does not touch existing buffers; the
// runtime closes its own buffers when it stops.
inline void SetRecordSink(RecordSink* sink) noexcept {
  std::lock_guard<std::mutex> lock(internal::g_globals.registration_mu);
  internal::g_globals.sink.store(sink, std::memory_order_release);
}
inline void SeedIdGenerator(uint64_t seed) noexcept {
  internal::g_globals.seed.store(seed, std::memory_order_relaxed);
}

// This thread's buffer, registering it on first use; nullptr when no runtime runs.
inline ThreadBuffer* CurrentThreadBuffer() noexcept {
  internal::ThreadState& t = internal::tls_state;
  ThreadBuffer* b = t.buffer.get();
  if (b != nullptr && !b->closed.load(std::memory_order_acquire)) [[likely]]
    return b;
  return internal::RegisterSlow(t);
}

template <typename Rec>
inline bool SubmitRecord(const Rec& rec) noexcept {
  ThreadBuffer* b = CurrentThreadBuffer();
  if (b == nullptr) {
    internal::g_globals.unsunk_drops.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  bool ok;
  if constexpr (std::is_same_v<Rec, CommandRecord>) {
    ok = b->commands.TryPush(rec);
  } else {
    ok = b->spans.TryPush(rec);
  }
  if (!ok) b->dropped.fetch_add(1, std::memory_order_relaxed);
  return ok;
}

}  // namespace ferrite::telemetry
