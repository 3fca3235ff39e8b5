#pragma once
// The recording side of the metrics registry: what the command path and the AOF call.
//
//   metrics::RecordCommand(spec->id, duration_ns, trace);     // dispatcher, once per command
//   metrics::RecordCommand(metrics::kUnknownCommandId, 0, nullptr);  // unknown command
//   metrics::RecordAofFsync(duration_ns);                     // AOF writer, once per fsync
//
// Only values no other subsystem keeps are recorded here (the histograms); counters that
// ServerStats, StoreStats or the ClientRegistry already keep are read at scrape / export time
// (collector.h), so there is one source of truth for each number.
//
// Cells: each recording thread owns a block of cells (ThreadCells) and is its only writer, so a
// recording is a few relaxed loads and stores: no locks, no allocations, no syscalls, no atomic
// read-modify-write. Readers sum the blocks (Merge*, in cells.h). A thread's block is allocated
// the first time it records (or earlier, in AttachThread(), which event loops call at start so
// the allocation never happens on a command); when the thread exits, its counts are folded into
// a retired block and the memory is reused by the next thread.
//
// Exemplars: when the command was sampled for tracing, its trace_id / span_id and duration
// replace the exemplar of the bucket it fell in (OTel's aligned-histogram reservoir, last
// value wins). The exemplar's timestamp is the coarse wall clock (no syscall).
//
// Thread safety: every function may be called from any thread.

#include <cstdint>

#include "telemetry/api/command_trace.h"
#include "telemetry/api/trace_context.h"

namespace ferrite::telemetry::metrics {

// A sampled command's trace context, attached to the histogram bucket it lands in.
struct ExemplarRef {
  TraceId trace_id;
  SpanId span_id;
};

// Commands with ids >= the configured command count (see Configure) are folded into this one.
inline constexpr uint32_t kUnknownCommandId = UINT32_MAX;

class ThreadCells;

namespace detail {
extern thread_local ThreadCells* tls_cells;
ThreadCells* AttachSlow() noexcept;
void RecordCommand(ThreadCells* cells, uint32_t command_id, uint64_t duration_ns,
                   const ExemplarRef* exemplar) noexcept;
void RecordAofFsync(ThreadCells* cells, uint64_t duration_ns) noexcept;
}  // namespace detail

// Registers the calling thread's cells now (allocates once). Optional: recording does it lazily.
inline ThreadCells* AttachThread() noexcept {
  ThreadCells* c = detail::tls_cells;
  return c != nullptr ? c : detail::AttachSlow();
}

inline void RecordCommand(uint32_t command_id, uint64_t duration_ns,
                          const ExemplarRef* exemplar) noexcept {
  detail::RecordCommand(AttachThread(), command_id, duration_ns, exemplar);
}

// Same, with the exemplar taken from the command's trace when it was sampled.
inline void RecordCommand(uint32_t command_id, uint64_t duration_ns,
                          const CommandTrace& trace) noexcept {
#if FERRITE_OTEL
  if (trace.sampled()) {
    ExemplarRef ex{trace.record().trace_id, trace.record().span_id};
    return RecordCommand(command_id, duration_ns, &ex);
  }
#endif
  RecordCommand(command_id, duration_ns, static_cast<const ExemplarRef*>(nullptr));
}

inline void RecordAofFsync(uint64_t duration_ns) noexcept {
  detail::RecordAofFsync(AttachThread(), duration_ns);
}

}  // namespace ferrite::telemetry::metrics
