#include "telemetry/metrics/cells.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "base/clock.h"

namespace ferrite::telemetry::metrics {

namespace {

std::atomic<bool> g_recording{true};
std::atomic<size_t> g_command_count{512};

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Bumped by every Reset(); exemplars carry the value they were written under.
std::atomic<uint64_t> g_reset_generation{1};

}  // namespace

void ExemplarSlot::Write(const ExemplarRef& ref, uint64_t value_ns,
                         uint64_t time_unix_ns) noexcept {
  uint32_t s = seq_.load(std::memory_order_relaxed);
  seq_.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  words_[0].store(Load64(ref.trace_id.bytes.data()), std::memory_order_relaxed);
  words_[1].store(Load64(ref.trace_id.bytes.data() + 8), std::memory_order_relaxed);
  words_[2].store(Load64(ref.span_id.bytes.data()), std::memory_order_relaxed);
  words_[3].store(value_ns, std::memory_order_relaxed);
  words_[4].store(time_unix_ns, std::memory_order_relaxed);
  words_[5].store(g_reset_generation.load(std::memory_order_relaxed), std::memory_order_relaxed);
  seq_.store(s + 2, std::memory_order_release);
}

std::optional<ExemplarValue> ExemplarSlot::Read() const noexcept {
  for (int attempt = 0; attempt < 8; ++attempt) {
    uint32_t s1 = seq_.load(std::memory_order_acquire);
    if (s1 & 1) continue;
    uint64_t w[6];
    for (int i = 0; i < 6; ++i) w[i] = words_[i].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (seq_.load(std::memory_order_relaxed) != s1) continue;
    if (s1 == 0 || w[4] == 0) return std::nullopt;  // never written (or cleared)
    ExemplarValue v;
    std::memcpy(v.trace_id.bytes.data(), &w[0], 8);
    std::memcpy(v.trace_id.bytes.data() + 8, &w[1], 8);
    std::memcpy(v.span_id.bytes.data(), &w[2], 8);
    v.value_ns = w[3];
    v.time_unix_ns = w[4];
    v.reset_generation = w[5];
    return v;
  }
  return std::nullopt;  // a writer kept it busy; the next scrape will see it
}

void ExemplarSlot::Clear() noexcept {
  uint32_t s = seq_.load(std::memory_order_relaxed);
  seq_.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (auto& w : words_) w.store(0, std::memory_order_relaxed);
  seq_.store(s + 2, std::memory_order_release);
}

ThreadCells::ThreadCells(size_t commands)
    : command_slots_(commands + 1),
      commands_(new HistogramCell<kCommandBuckets>[commands + 1]),
      exemplars_(new ExemplarSlot[(commands + 1) * kCommandBuckets]) {}

void ThreadCells::RecordCommand(uint32_t command_id, uint64_t duration_ns,
                                const ExemplarRef* exemplar) noexcept {
  const size_t slot = command_id < command_slots_ - 1 ? command_id : command_slots_ - 1;
  HistogramCell<kCommandBuckets>& h = commands_[slot];
  const size_t bucket = BucketOf(kCommandBoundsNs, duration_ns);
  h.counts[bucket].Add(1);
  h.sum_ns.Add(duration_ns);
  if (exemplar != nullptr) {
    exemplars_[slot * kCommandBuckets + bucket].Write(*exemplar, duration_ns,
                                                      static_cast<uint64_t>(CoarseWallUs()) * 1000);
  }
}

void ThreadCells::RecordAofFsync(uint64_t duration_ns) noexcept {
  aof_.counts[BucketOf(kAofBoundsNs, duration_ns)].Add(1);
  aof_.sum_ns.Add(duration_ns);
}

// The process-wide list of blocks. Never destroyed, so threads exiting during process teardown
// can still retire their blocks.
class CellRegistry {
 public:
  static CellRegistry& Get() {
    static CellRegistry* r = new CellRegistry;
    return *r;
  }

  ThreadCells* Attach() {
    std::lock_guard lock(mu_);
    const size_t commands = g_command_count.load(std::memory_order_relaxed);
    std::unique_ptr<ThreadCells> block;
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if ((*it)->command_slots_ == commands + 1) {
        block = std::move(*it);
        free_.erase(it);
        break;
      }
    }
    if (!block) block = std::make_unique<ThreadCells>(commands);
    ThreadCells* raw = block.get();
    live_.push_back(std::move(block));
    return raw;
  }

  void Detach(ThreadCells* cells) {
    std::lock_guard lock(mu_);
    auto it = std::find_if(live_.begin(), live_.end(),
                           [&](const std::unique_ptr<ThreadCells>& b) { return b.get() == cells; });
    if (it == live_.end()) return;
    std::unique_ptr<ThreadCells> block = std::move(*it);
    live_.erase(it);
    FoldIntoRetired(*block);
    Zero(*block);
    free_.push_back(std::move(block));
  }

  std::vector<HistogramTotals> MergeCommands() {
    std::lock_guard lock(mu_);
    size_t slots = g_command_count.load(std::memory_order_relaxed) + 1;
    std::vector<HistogramTotals> out(slots);
    for (HistogramTotals& h : out) {
      h.counts.assign(kCommandBuckets, 0);
      h.exemplars.assign(kCommandBuckets, std::nullopt);
    }
    AddCommands(retired_commands_, out);
    for (const auto& block : live_) AddCommands(*block, out);
    for (size_t s = 0; s < out.size(); ++s) {
      HistogramTotals& h = out[s];
      if (s < command_baseline_.size()) Subtract(command_baseline_[s], h);
      for (uint64_t c : h.counts) h.count += c;
    }
    return out;
  }

  HistogramTotals MergeAof() {
    std::lock_guard lock(mu_);
    HistogramTotals h;
    h.counts.assign(kAofBuckets, 0);
    auto add = [&](const HistogramCell<kAofBuckets>& cell) {
      for (size_t b = 0; b < kAofBuckets; ++b) h.counts[b] += cell.counts[b].Get();
      h.sum_ns += cell.sum_ns.Get();
    };
    add(retired_aof_);
    for (const auto& block : live_) add(block->aof_);
    Subtract(aof_baseline_, h);
    for (uint64_t c : h.counts) h.count += c;
    return h;
  }

  // Writers are never stopped or touched: the current totals become a baseline that reads
  // subtract, and older exemplars are hidden.
  void Reset() {
    std::vector<HistogramTotals> commands = MergeCommands();
    HistogramTotals aof = MergeAof();
    std::lock_guard lock(mu_);
    for (size_t s = 0; s < commands.size(); ++s) {
      if (s < command_baseline_.size()) Add(command_baseline_[s], commands[s]);
    }
    if (command_baseline_.size() < commands.size()) {
      command_baseline_.resize(commands.size());
      for (size_t s = 0; s < commands.size(); ++s) {
        if (command_baseline_[s].counts.empty()) command_baseline_[s] = commands[s];
      }
    }
    Add(aof_baseline_, aof);
    reset_generation_ = g_reset_generation.fetch_add(1, std::memory_order_relaxed) + 1;
  }

 private:
  // Retired command histograms are kept as plain totals, sized to the largest block seen.
  struct RetiredCommand {
    std::array<uint64_t, kCommandBuckets> counts{};
    uint64_t sum_ns = 0;
    std::array<std::optional<ExemplarValue>, kCommandBuckets> exemplars;
  };

  static void Zero(ThreadCells& block) {
    for (size_t s = 0; s < block.command_slots_; ++s) {
      for (Cell& c : block.commands_[s].counts) c.Set(0);
      block.commands_[s].sum_ns.Set(0);
    }
    for (size_t i = 0; i < block.command_slots_ * kCommandBuckets; ++i) block.exemplars_[i].Clear();
    Zero(block.aof_);
  }
  static void Zero(HistogramCell<kAofBuckets>& cell) {
    for (Cell& c : cell.counts) c.Set(0);
    cell.sum_ns.Set(0);
  }

  // `into` += `from` (counts and sums only; the merged views recompute count).
  static void Add(HistogramTotals& into, const HistogramTotals& from) {
    if (into.counts.size() < from.counts.size()) into.counts.resize(from.counts.size(), 0);
    for (size_t b = 0; b < from.counts.size(); ++b) into.counts[b] += from.counts[b];
    into.sum_ns += from.sum_ns;
  }

  // h -= baseline, and exemplars from before the last reset are dropped. Caller holds mu_.
  void Subtract(const HistogramTotals& baseline, HistogramTotals& h) const {
    for (size_t b = 0; b < h.counts.size() && b < baseline.counts.size(); ++b) {
      h.counts[b] -= std::min(h.counts[b], baseline.counts[b]);
    }
    h.sum_ns -= std::min(h.sum_ns, baseline.sum_ns);
    for (auto& e : h.exemplars) {
      if (e && e->reset_generation < reset_generation_) e.reset();
    }
  }

  static void KeepNewer(std::optional<ExemplarValue>& into, const std::optional<ExemplarValue>& e) {
    if (e && (!into || e->time_unix_ns >= into->time_unix_ns)) into = e;
  }

  // Slot `s` of a block maps to output slot s, except a block's unknown slot (its last), which
  // maps to the output's last slot (blocks sized before a Configure() may differ).
  static size_t MapSlot(size_t s, size_t block_slots, size_t out_slots) {
    if (s == block_slots - 1 || s >= out_slots - 1) return out_slots - 1;
    return s;
  }

  void FoldIntoRetired(const ThreadCells& block) {
    if (retired_commands_.size() < block.command_slots_) {
      // Keep the unknown slot last when growing.
      std::optional<RetiredCommand> unknown;
      if (!retired_commands_.empty()) unknown = retired_commands_.back();
      if (!retired_commands_.empty()) retired_commands_.back() = RetiredCommand{};
      retired_commands_.resize(block.command_slots_);
      if (unknown) retired_commands_.back() = *unknown;
    }
    for (size_t s = 0; s < block.command_slots_; ++s) {
      RetiredCommand& r =
          retired_commands_[MapSlot(s, block.command_slots_, retired_commands_.size())];
      const auto& cell = block.commands_[s];
      for (size_t b = 0; b < kCommandBuckets; ++b) {
        r.counts[b] += cell.counts[b].Get();
        KeepNewer(r.exemplars[b], block.exemplars_[s * kCommandBuckets + b].Read());
      }
      r.sum_ns += cell.sum_ns.Get();
    }
    for (size_t b = 0; b < kAofBuckets; ++b) retired_aof_.counts[b].Add(block.aof_.counts[b].Get());
    retired_aof_.sum_ns.Add(block.aof_.sum_ns.Get());
  }

  static void AddCommands(const ThreadCells& block, std::vector<HistogramTotals>& out) {
    for (size_t s = 0; s < block.command_slots_; ++s) {
      HistogramTotals& h = out[MapSlot(s, block.command_slots_, out.size())];
      const auto& cell = block.commands_[s];
      for (size_t b = 0; b < kCommandBuckets; ++b) {
        h.counts[b] += cell.counts[b].Get();
        KeepNewer(h.exemplars[b], block.exemplars_[s * kCommandBuckets + b].Read());
      }
      h.sum_ns += cell.sum_ns.Get();
    }
  }

  static void AddCommands(const std::vector<RetiredCommand>& retired,
                          std::vector<HistogramTotals>& out) {
    for (size_t s = 0; s < retired.size(); ++s) {
      HistogramTotals& h = out[MapSlot(s, retired.size(), out.size())];
      for (size_t b = 0; b < kCommandBuckets; ++b) {
        h.counts[b] += retired[s].counts[b];
        KeepNewer(h.exemplars[b], retired[s].exemplars[b]);
      }
      h.sum_ns += retired[s].sum_ns;
    }
  }

  std::mutex mu_;
  std::vector<std::unique_ptr<ThreadCells>> live_;  // GUARDED_BY(mu_)
  std::vector<std::unique_ptr<ThreadCells>> free_;  // GUARDED_BY(mu_)
  std::vector<RetiredCommand> retired_commands_;    // GUARDED_BY(mu_)
  HistogramCell<kAofBuckets> retired_aof_;          // GUARDED_BY(mu_)
  // Totals at the last Reset(), subtracted on read.
  std::vector<HistogramTotals> command_baseline_;  // GUARDED_BY(mu_)
  HistogramTotals aof_baseline_;                   // GUARDED_BY(mu_)
  uint64_t reset_generation_ = 0;                  // GUARDED_BY(mu_)
};

namespace detail {

thread_local ThreadCells* tls_cells = nullptr;

namespace {
// Constructed only on a thread's first attach; its destructor retires the block at thread exit.
struct ThreadRetirer {
  ~ThreadRetirer() {
    if (tls_cells != nullptr) {
      CellRegistry::Get().Detach(tls_cells);
      tls_cells = nullptr;
    }
  }
};
}  // namespace

ThreadCells* AttachSlow() noexcept {
  static thread_local ThreadRetirer retirer;  // constructed here, on this thread's first attach
  (void)retirer;
  tls_cells = CellRegistry::Get().Attach();
  return tls_cells;
}

void RecordCommand(ThreadCells* cells, uint32_t command_id, uint64_t duration_ns,
                   const ExemplarRef* exemplar) noexcept {
  if (!g_recording.load(std::memory_order_relaxed)) return;
  cells->RecordCommand(command_id, duration_ns, exemplar);
}

void RecordAofFsync(ThreadCells* cells, uint64_t duration_ns) noexcept {
  if (!g_recording.load(std::memory_order_relaxed)) return;
  cells->RecordAofFsync(duration_ns);
}

}  // namespace detail

void Configure(size_t command_count) {
  g_command_count.store(command_count, std::memory_order_relaxed);
}
size_t ConfiguredCommandCount() { return g_command_count.load(std::memory_order_relaxed); }
void SetRecordingEnabled(bool enabled) { g_recording.store(enabled, std::memory_order_relaxed); }

std::vector<HistogramTotals> MergeCommandHistograms() {
  return CellRegistry::Get().MergeCommands();
}
HistogramTotals MergeAofHistogram() { return CellRegistry::Get().MergeAof(); }

void DetachThread() {
  if (detail::tls_cells != nullptr) {
    CellRegistry::Get().Detach(detail::tls_cells);
    detail::tls_cells = nullptr;
  }
}

void ResetHistograms() { CellRegistry::Get().Reset(); }

}  // namespace ferrite::telemetry::metrics
