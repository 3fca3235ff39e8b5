#pragma once
// Per-thread histogram cells behind metrics.h, and their merge on read.
//
// Layout of one thread's block (ThreadCells): for each command slot (ids 0..n-1 of the
// configured command count, then one "unknown" slot) a histogram of kCommandBuckets bucket
// counters plus a sum of nanoseconds; separately, one exemplar slot per (command, bucket); and
// the AOF fsync histogram. Counts are per bucket (not cumulative); renderers accumulate.
//
// Invariants: a block has exactly one writer (its thread) while attached, so counters use a
// relaxed load + store. Exemplar slots are seqlocks: the writer makes the sequence odd, writes
// the words, makes it even; a reader retries (a few times) when the sequence moved or was odd.
// A detached block's counts are added to the retired block and the block is zeroed before reuse,
// under the registry mutex, so merged totals never go backwards (except by ResetHistograms(),
// which records a baseline instead of touching cells a writer owns).
//
// Thread safety: Merge* and Configure may run on any thread concurrently with recording; they
// take the registry mutex, which recording never does.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "telemetry/metrics/metrics.h"

namespace ferrite::telemetry::metrics {

// Upper bounds (inclusive) in nanoseconds. Command latencies span 1 us (a GET served from the
// mutable region) to seconds (a KEYS on a large keyspace, a disk-bound read).
inline constexpr std::array<uint64_t, 22> kCommandBoundsNs = {
    1'000,         2'500,         5'000,         10'000,        25'000,      50'000,
    100'000,       250'000,       500'000,       1'000'000,     2'500'000,   5'000'000,
    10'000'000,    25'000'000,    50'000'000,    100'000'000,   250'000'000, 500'000'000,
    1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};
// fsync on an SSD takes 0.1-10 ms; on a saturated or networked disk, seconds.
inline constexpr std::array<uint64_t, 16> kAofBoundsNs = {
    100'000,       250'000,       500'000,       1'000'000,     2'500'000,   5'000'000,
    10'000'000,    25'000'000,    50'000'000,    100'000'000,   250'000'000, 500'000'000,
    1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};
inline constexpr size_t kCommandBuckets = kCommandBoundsNs.size() + 1;
inline constexpr size_t kAofBuckets = kAofBoundsNs.size() + 1;

// Index of the bucket holding `ns`: the first bound >= ns, or the overflow bucket.
template <size_t N>
inline size_t BucketOf(const std::array<uint64_t, N>& bounds, uint64_t ns) noexcept {
  size_t i = 0;
  while (i < N && ns > bounds[i]) ++i;
  return i;
}

// Single-writer counter: plain relaxed load + store, no lock prefix.
class Cell {
 public:
  void Add(uint64_t n) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t Get() const noexcept { return v_.load(std::memory_order_relaxed); }
  void Set(uint64_t n) noexcept { v_.store(n, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

struct ExemplarValue {
  TraceId trace_id;
  SpanId span_id;
  uint64_t value_ns = 0;
  uint64_t time_unix_ns = 0;
  // The CONFIG RESETSTAT generation it was recorded in: reads hide older generations. (Not the
  // timestamp: the coarse clock can read the same before and after a reset.)
  uint64_t reset_generation = 0;
};

class ExemplarSlot {
 public:
  void Write(const ExemplarRef& ref, uint64_t value_ns, uint64_t time_unix_ns) noexcept;
  std::optional<ExemplarValue> Read() const noexcept;
  void Clear() noexcept;

 private:
  std::atomic<uint32_t> seq_{0};
  // trace_id (2), span_id, value_ns, time_unix_ns, reset_generation
  std::atomic<uint64_t> words_[6] = {};
};

template <size_t kBuckets>
struct HistogramCell {
  std::array<Cell, kBuckets> counts;
  Cell sum_ns;
};

class ThreadCells {
 public:
  // `commands` = configured command ids; one more slot holds unknown commands.
  explicit ThreadCells(size_t commands);

  void RecordCommand(uint32_t command_id, uint64_t duration_ns,
                     const ExemplarRef* exemplar) noexcept;
  void RecordAofFsync(uint64_t duration_ns) noexcept;

  size_t command_slots() const { return command_slots_; }

 private:
  friend class CellRegistry;
  size_t command_slots_;
  std::unique_ptr<HistogramCell<kCommandBuckets>[]> commands_;
  std::unique_ptr<ExemplarSlot[]> exemplars_;  // command_slots_ * kCommandBuckets
  HistogramCell<kAofBuckets> aof_;
};

// A merged histogram: per-bucket counts (bounds.size() + 1 of them), total count and sum.
struct HistogramTotals {
  std::vector<uint64_t> counts;
  uint64_t count = 0;
  uint64_t sum_ns = 0;
  std::vector<std::optional<ExemplarValue>> exemplars;  // per bucket; empty without exemplars
};

// Sets the number of command ids (the registry's size()). Blocks attached later get that many
// slots plus the unknown slot; call before event loops start. Default 512.
void Configure(size_t command_count);
size_t ConfiguredCommandCount();

// Turns recording on or off process-wide (off when neither /metrics nor OTLP metrics run).
void SetRecordingEnabled(bool enabled);

// Merged command histograms, one per slot: index = command id, last = unknown commands.
std::vector<HistogramTotals> MergeCommandHistograms();
HistogramTotals MergeAofHistogram();

// Detaches the calling thread's block now (its counts are kept); the next recording attaches
// again. Threads do this automatically when they exit.
void DetachThread();

// CONFIG RESETSTAT: the histograms read zero from now on (and show no older exemplars). Writers
// are not disturbed: the current totals become a baseline that reads subtract.
void ResetHistograms();
inline void ResetForTest() { ResetHistograms(); }

}  // namespace ferrite::telemetry::metrics
