#pragma once
// Collector: reads every metric of metric_defs.h into a MetricsSnapshot, the one input of both
// outputs (prometheus_text.h renders it, otlp_metrics.h encodes it).
//
// Nothing is copied or accumulated between reads: the histograms come from the per-thread cells
// (cells.h), everything else from Sources, callbacks that read the subsystems' own counters at
// collection time (server_source.h reads ServerStats, StoreStats and the ClientRegistry). The
// telemetry pipeline's self-metrics come from a TelemetrySelfStats provider the app installs.
//
// Label cardinality is bounded by construction: `command` takes only registry names (plus
// "unknown"), `tier` three values, `db` the configured databases, `error.type` the server's
// interned error codes (at most 32, overflow folded), `signal` "traces" / "logs", `replica` the
// connected replicas.
//
// Thread safety: configure (AddSource, Set*) before the first Collect(); Collect() may then run
// on several threads at once (the scrape thread and the OTLP export thread).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/metrics/cells.h"
#include "telemetry/metrics/metric_defs.h"

namespace ferrite::telemetry::metrics {

struct NumberPoint {
  std::string label;  // the attribute value; empty when the metric has no attribute
  bool is_double = false;
  int64_t i = 0;
  double d = 0;
  double AsDouble() const { return is_double ? d : static_cast<double>(i); }
};

struct HistogramPoint {
  std::string label;
  const uint64_t* bounds_ns = nullptr;  // static storage (cells.h)
  size_t bound_count = 0;
  HistogramTotals totals;
};

struct MetricData {
  std::vector<NumberPoint> numbers;
  std::vector<HistogramPoint> histograms;
};

struct MetricsSnapshot {
  uint64_t start_unix_ns = 0;  // cumulative series start (process start)
  uint64_t time_unix_ns = 0;   // when collected
  std::vector<MetricData> metrics = std::vector<MetricData>(kMetricCount);

  MetricData& operator[](MetricId id) { return metrics[static_cast<size_t>(id)]; }
  const MetricData& operator[](MetricId id) const { return metrics[static_cast<size_t>(id)]; }
  void AddInt(MetricId id, std::string_view label, int64_t v) {
    (*this)[id].numbers.push_back({std::string(label), false, v, 0});
  }
  void AddDouble(MetricId id, std::string_view label, double v) {
    (*this)[id].numbers.push_back({std::string(label), true, 0, v});
  }
};

// What the telemetry sdk reports about its own pipelines (TelemetryRuntime::Stats() and the
// log exporter's counters). A pipeline that is not running is left inactive and its series are
// not emitted.
struct TelemetrySelfStats {
  struct Pipeline {
    bool active = false;
    uint64_t exported = 0;  // accepted by the collector
    uint64_t dropped = 0;   // never sent (queue/ring full, shutdown)
    uint64_t failed = 0;    // rejected, or retries exhausted
    uint64_t queued = 0;    // waiting for export now
  };
  Pipeline traces;
  Pipeline logs;
};

struct ReplicaLag {
  std::string replica;  // "<ip>:<port>" of the replica
  uint64_t lag_bytes = 0;
};

class Collector {
 public:
  using Source = std::function<void(MetricsSnapshot&)>;

  // `command_names[id]` is the label of command id (CanonicalName of the registry's spec).
  // `start_unix_ns` = 0 means now.
  explicit Collector(std::vector<std::string> command_names, uint64_t start_unix_ns = 0);

  void AddSource(Source source);
  void SetTelemetryStats(std::function<TelemetrySelfStats()> provider);
  // Replication lag per replica. Without a provider (or with no replicas) the metric reads a
  // single unlabelled 0.
  void SetReplicationLag(std::function<std::vector<ReplicaLag>()> provider);

  MetricsSnapshot Collect() const;

  const std::vector<std::string>& command_names() const { return command_names_; }

 private:
  std::vector<std::string> command_names_;
  uint64_t start_unix_ns_;
  std::vector<Source> sources_;
  std::function<TelemetrySelfStats()> telemetry_;
  std::function<std::vector<ReplicaLag>()> replication_;
};

}  // namespace ferrite::telemetry::metrics
