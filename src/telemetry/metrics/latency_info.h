#pragma once
// INFO latencystats: Redis 7.0's per-command latency percentiles, read from the same per-command
// histograms as /metrics' ferrite_command_duration (so INFO and Prometheus agree).
//
//   latency_percentiles_usec_get:p50=1.003,p99=2.007,p99.9=10.015
//
// Redis reads HdrHistograms; Ferrite's histograms have fixed buckets (cells.h), so a percentile
// is interpolated linearly inside the bucket that holds it: exact at bucket bounds, otherwise
// within that bucket's width. A value in the overflow bucket reports the last bound.
//
// Thread safety: reads merged histograms (cells.h); callable from any thread.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/metrics/cells.h"

namespace ferrite::telemetry::metrics {

// Redis's latency-tracking-info-percentiles default.
inline constexpr double kInfoPercentiles[] = {50.0, 99.0, 99.9};

// The value in microseconds at `percentile` (0..100) of a command histogram (kCommandBoundsNs
// buckets). REQUIRES: h.count > 0.
double PercentileUsec(const HistogramTotals& h, double percentile);

// Appends one line per command with at least one call. `names[id]` is the command's name as INFO
// commandstats spells it ("get", "config|get"); empty names are skipped.
void AppendLatencyStats(const std::vector<std::string>& names, std::span<const double> percentiles,
                        std::string* out);

}  // namespace ferrite::telemetry::metrics
