#pragma once
// Prometheus exposition of a MetricsSnapshot: text format 0.0.4, or OpenMetrics 1.0.0 when the
// scraper's Accept header asks for application/openmetrics-text (Prometheus does by default).
//
// Names. Seed scheme (the default): the seed's OTel name with dots turned into underscores,
// which is what the seed's PromQL queries (ferrite_commands_total, ferrite_command_duration_bucket,
// ferrite_cache_hit_rate, ferrite_memory_used...), with no unit suffix; a counter whose name
// does not end in _total gets one (ferrite_network_bytes_received_total), because OpenMetrics
// requires it and the name must not change with the negotiated format. Current scheme: the
// current OTel name translated by the OpenTelemetry-to-Prometheus compatibility rules (unit
// suffix By -> _bytes, s -> _seconds, 1 -> _ratio on gauges, annotations like {key} dropped,
// _total on counters): ferrite_command_duration_seconds, ferrite_memory_usage_bytes. Both
// schemes can be emitted at once; a family whose two names coincide is emitted once.
// Attribute keys become label names the same way (error.type -> error_type).
//
// OpenMetrics only: counter families drop _total from the family name (samples keep it),
// `# UNIT` lines where the family name ends in the unit, exemplars (trace_id, span_id, value,
// timestamp) on the command latency buckets, and the closing `# EOF`.
//
// Thread safety: pure functions.

#include <string>
#include <string_view>

#include "telemetry/metrics/collector.h"
#include "telemetry/metrics/metric_defs.h"

namespace ferrite::telemetry::metrics {

enum class ExpositionFormat : uint8_t { kText004, kOpenMetrics };

// OpenMetrics when `accept` lists application/openmetrics-text with a q-value above every
// text/plain (or */*) entry; text 0.0.4 otherwise (also for a missing header).
ExpositionFormat NegotiateFormat(std::string_view accept);
std::string_view ContentType(ExpositionFormat format);

// The sample base name: for counters it ends in _total, for histograms _bucket/_sum/_count are
// appended to it.
std::string PrometheusName(const MetricDesc& desc, bool current);
std::string PrometheusLabelName(std::string_view key);

// Appends the exposition of `snap` to `out`.
void RenderPrometheus(const MetricsSnapshot& snap, ExpositionFormat format, NameScheme scheme,
                      std::string* out);

}  // namespace ferrite::telemetry::metrics
