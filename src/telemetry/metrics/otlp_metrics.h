#pragma once
// OTLP metrics encoding: a MetricsSnapshot as an ExportMetricsServiceRequest (protobuf), the
// body the telemetry transports send to /v1/metrics or MetricsService/Export.
//
// Mapping (opentelemetry-proto metrics.v1): counters are monotonic Sums; up-down counts are
// Gauges under the seed's names (the seed calls them gauges) and non-monotonic cumulative Sums
// under the current names; gauges are Gauges; histograms are explicit-bucket Histograms with
// bounds in seconds, sum, count and one exemplar per bucket (trace_id, span_id, value, time).
// Names and units come from metric_defs.h for the chosen NameScheme.
//
// Temporality (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE): cumulative (default) sends
// running totals since process start; delta sends counters and histograms as the change since
// the previous Encode() (start = the previous collection time), up-down counts stay
// cumulative; lowmemory makes only the synchronous instruments (the histograms) delta, the
// counters read from the server's statistics staying cumulative. A counter that went backwards
// (CONFIG RESETSTAT) restarts its delta series from the new value. Delta exemplars are the ones
// recorded during the window.
//
// Both OTLP wire formats: protobuf (gRPC, http/protobuf) and the OTLP/JSON mapping (http/json:
// lowerCamelCase keys, enums as integers, 64-bit integers as strings, hex trace/span ids).
//
// Thread safety: an encoder is stateful (delta) and used by one thread (the exporter).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/export/otlp_encoder.h"
#include "telemetry/export/span_data.h"
#include "telemetry/metrics/collector.h"

namespace ferrite::telemetry::metrics {

enum class Temporality : uint8_t { kCumulative, kDelta, kLowMemory };

// "cumulative" | "delta" | "lowmemory", case-insensitive; nullopt otherwise.
std::optional<Temporality> ParseTemporalityPreference(std::string_view v);

class OtlpMetricsEncoder {
 public:
  struct Options {
    Temporality temporality = Temporality::kCumulative;
    NameScheme scheme = NameScheme::kOld;
    ResourceData resource;
    ScopeData scope;  // name "ferrite" by default (set by the constructor when empty)
  };

  explicit OtlpMetricsEncoder(Options options);

  // Encodes `snap`. In delta modes this also advances the encoder's baseline to `snap`.
  std::string Encode(const MetricsSnapshot& snap, Encoding encoding = Encoding::kProtobuf);

  struct NumberOut {
    const std::string* label;
    uint64_t start;
    bool is_double;
    int64_t i;
    double d;
  };
  struct HistogramOut {
    const HistogramPoint* point;
    uint64_t start;
    std::vector<uint64_t> counts;
    uint64_t count;
    uint64_t sum_ns;
    uint64_t exemplars_after;  // exemplars recorded at or before this are left out (delta)
  };
  struct MetricOut {
    const MetricDesc* desc;
    bool delta;
    std::vector<NumberOut> numbers;
    std::vector<HistogramOut> histograms;
  };

 private:
  struct Baseline {
    int64_t value = 0;
    std::vector<uint64_t> counts;
    uint64_t sum_ns = 0;
  };

  bool IsDelta(const MetricDesc& d) const;
  // The points to send: cumulative values, or deltas against (and advancing) the baselines.
  std::vector<MetricOut> Prepare(const MetricsSnapshot& snap);

  Options options_;
  uint64_t last_time_unix_ns_ = 0;
  // Keyed by (metric id, label value).
  std::map<std::pair<size_t, std::string>, Baseline> baselines_;
};

}  // namespace ferrite::telemetry::metrics
