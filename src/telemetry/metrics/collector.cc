#include "telemetry/metrics/collector.h"

#include "base/clock.h"

namespace ferrite::telemetry::metrics {

namespace {

uint64_t WallNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

void AddPipeline(MetricsSnapshot& snap, std::string_view signal,
                 const TelemetrySelfStats::Pipeline& p) {
  if (!p.active) return;
  snap.AddInt(MetricId::kTelemetryExported, signal, static_cast<int64_t>(p.exported));
  snap.AddInt(MetricId::kTelemetryDropped, signal, static_cast<int64_t>(p.dropped));
  snap.AddInt(MetricId::kTelemetryFailed, signal, static_cast<int64_t>(p.failed));
  snap.AddInt(MetricId::kTelemetryQueueLength, signal, static_cast<int64_t>(p.queued));
}

void MergeInto(HistogramTotals& into, const HistogramTotals& from) {
  for (size_t b = 0; b < into.counts.size() && b < from.counts.size(); ++b) {
    into.counts[b] += from.counts[b];
    if (b < from.exemplars.size() && from.exemplars[b] &&
        (!into.exemplars[b] || from.exemplars[b]->time_unix_ns > into.exemplars[b]->time_unix_ns))
      into.exemplars[b] = from.exemplars[b];
  }
  into.count += from.count;
  into.sum_ns += from.sum_ns;
}

}  // namespace

Collector::Collector(std::vector<std::string> command_names, uint64_t start_unix_ns)
    : command_names_(std::move(command_names)),
      start_unix_ns_(start_unix_ns != 0 ? start_unix_ns : WallNs()) {}

void Collector::AddSource(Source source) { sources_.push_back(std::move(source)); }

void Collector::SetTelemetryStats(std::function<TelemetrySelfStats()> provider) {
  telemetry_ = std::move(provider);
}

void Collector::SetReplicationLag(std::function<std::vector<ReplicaLag>()> provider) {
  replication_ = std::move(provider);
}

MetricsSnapshot Collector::Collect() const {
  MetricsSnapshot snap;
  snap.start_unix_ns = start_unix_ns_;
  snap.time_unix_ns = WallNs();
  for (const Source& source : sources_) source(snap);

  // Command latency: one series per command that has run; everything without a registry name
  // is folded into "unknown".
  std::vector<HistogramTotals> commands = MergeCommandHistograms();
  HistogramPoint unknown{
      std::string(kUnknownCommandLabel), kCommandBoundsNs.data(), kCommandBoundsNs.size(), {}};
  unknown.totals.counts.assign(kCommandBuckets, 0);
  unknown.totals.exemplars.assign(kCommandBuckets, std::nullopt);
  MetricData& duration = snap[MetricId::kCommandDuration];
  for (size_t id = 0; id < commands.size(); ++id) {
    HistogramTotals& h = commands[id];
    if (h.count == 0) continue;
    const bool known = id + 1 < commands.size() && id < command_names_.size();
    if (!known) {
      MergeInto(unknown.totals, h);
      continue;
    }
    duration.histograms.push_back(
        {command_names_[id], kCommandBoundsNs.data(), kCommandBoundsNs.size(), std::move(h)});
  }
  if (unknown.totals.count > 0) {
    snap.AddInt(MetricId::kCommands, kUnknownCommandLabel,
                static_cast<int64_t>(unknown.totals.count));
    duration.histograms.push_back(std::move(unknown));
  }

  snap[MetricId::kAofSyncDuration].histograms.push_back(
      {"", kAofBoundsNs.data(), kAofBoundsNs.size(), MergeAofHistogram()});

  std::vector<ReplicaLag> lags;
  if (replication_) lags = replication_();
  if (lags.empty()) {
    snap.AddInt(MetricId::kReplicationLag, "", 0);
  } else {
    for (const ReplicaLag& l : lags) {
      snap.AddInt(MetricId::kReplicationLag, l.replica, static_cast<int64_t>(l.lag_bytes));
    }
  }

  if (telemetry_) {
    TelemetrySelfStats t = telemetry_();
    AddPipeline(snap, "traces", t.traces);
    AddPipeline(snap, "logs", t.logs);
  }
  return snap;
}

}  // namespace ferrite::telemetry::metrics
