#pragma once
// The metric table: every metric Ferrite exports is declared here once, and both outputs (the
// Prometheus /metrics endpoint and OTLP push) are generated from it.
//
// Each row: id, instrument kind, attribute (label) key or "" for none, the seed's name and unit
// (docs "Exported Metrics": the default), the name and unit under OpenTelemetry's current
// naming rules (no `.total`, singular annotation units, `usage`/`limit`, `*.count` for
// up-down counts, or the precedent of kestrel.active_connections and redis.db.keys where
// `.count` would collide with Prometheus's _count suffix), and the help text. NameScheme picks
// which names are emitted (kOld = the seed's, kNew = current, kBoth = both, for migrating
// dashboards). The Prometheus names are derived from these by prometheus_text.h's rules, so they
// are not repeated here.
//
// Kinds: kCounter = monotonic cumulative Sum; kUpDown = non-monotonic Sum (the seed calls these
// "Gauge" and the seed scheme emits them as OTLP Gauges); kGauge = last value; kHistogram =
// explicit-bucket histogram.
//
// Thread safety: constants only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "telemetry/api/semconv.h"

namespace ferrite::telemetry::metrics {

using semconv::NameScheme;

enum class MetricKind : uint8_t { kCounter, kUpDown, kGauge, kHistogram };

// X(id, kind, label, seed_name, seed_unit, current_name, current_unit, help)
#define FERRITE_METRICS(X)                                                                         \
  X(kCommands, kCounter, "command", "ferrite.commands.total", "{commands}", "ferrite.commands",    \
    "{command}", "Total commands processed, labeled by command")                                   \
  X(kCommandDuration, kHistogram, "command", "ferrite.command.duration", "s",                      \
    "ferrite.command.duration", "s", "Command latency distribution, labeled by command")           \
  X(kMemoryUsed, kGauge, "", "ferrite.memory.used", "By", "ferrite.memory.usage", "By",            \
    "Current memory consumption in bytes")                                                         \
  X(kMemoryMax, kGauge, "", "ferrite.memory.max", "By", "ferrite.memory.limit", "By",              \
    "Configured maximum memory (0 = no limit)")                                                    \
  X(kConnectionsActive, kUpDown, "", "ferrite.connections.active", "{connections}",                \
    "ferrite.active_connections", "{connection}", "Current active client connections")             \
  X(kConnectionsTotal, kCounter, "", "ferrite.connections.total", "{connections}",                 \
    "ferrite.connections", "{connection}", "Total connections opened since start")                 \
  X(kCacheHitRate, kGauge, "", "ferrite.cache.hit.rate", "1", "ferrite.cache.hit.ratio", "1",      \
    "Ratio of mutable-region hits to reads of existing keys (0.0-1.0)")                            \
  X(kCacheHits, kCounter, "", "ferrite.cache.hits.total", "{hits}", "ferrite.cache.hits", "{hit}", \
    "Total mutable-region cache hits")                                                             \
  X(kCacheMisses, kCounter, "", "ferrite.cache.misses.total", "{misses}", "ferrite.cache.misses",  \
    "{miss}", "Total mutable-region cache misses (reads served by the read-only region or disk)")  \
  X(kHybridlogTierSize, kUpDown, "tier", "ferrite.hybridlog.tier.size", "By",                      \
    "ferrite.hybridlog.tier.size", "By", "Size of each HybridLog tier, labeled by tier")           \
  X(kKeys, kUpDown, "db", "ferrite.keys.total", "{keys}", "ferrite.db.keys", "{key}",              \
    "Total keys stored, labeled by db")                                                            \
  X(kKeysExpired, kCounter, "", "ferrite.keys.expired.total", "{keys}", "ferrite.keys.expired",    \
    "{key}", "Keys removed by TTL expiration")                                                     \
  X(kKeysEvicted, kCounter, "", "ferrite.keys.evicted.total", "{keys}", "ferrite.keys.evicted",    \
    "{key}", "Keys evicted due to memory pressure")                                                \
  X(kNetworkBytesReceived, kCounter, "", "ferrite.network.bytes.received", "By",                   \
    "ferrite.network.received", "By", "Total bytes received from clients")                         \
  X(kNetworkBytesSent, kCounter, "", "ferrite.network.bytes.sent", "By", "ferrite.network.sent",   \
    "By", "Total bytes sent to clients")                                                           \
  X(kReplicationLag, kGauge, "replica", "ferrite.replication.lag", "By",                           \
    "ferrite.replication.lag", "By", "Replication lag in bytes, labeled by replica")               \
  X(kAofSyncDuration, kHistogram, "", "ferrite.aof.sync.duration", "s",                            \
    "ferrite.aof.sync.duration", "s", "AOF fsync latency distribution")                            \
  X(kEpochCurrent, kGauge, "", "ferrite.epoch.current", "{epoch}", "ferrite.epoch.current",        \
    "{epoch}", "Current epoch number")                                                             \
  X(kErrors, kCounter, "error.type", "ferrite.errors.total", "{errors}", "ferrite.errors",         \
    "{error}", "Error replies sent, labeled by error type (the reply's first word)")               \
  X(kTelemetryExported, kCounter, "signal", "ferrite.telemetry.exported.total", "{items}",         \
    "ferrite.telemetry.exported", "{item}",                                                        \
    "Spans / log records accepted by the OTLP collector, labeled by signal")                       \
  X(kTelemetryDropped, kCounter, "signal", "ferrite.telemetry.dropped.total", "{items}",           \
    "ferrite.telemetry.dropped", "{item}",                                                         \
    "Spans / log records dropped before export (queue or ring full, shutdown)")                    \
  X(kTelemetryFailed, kCounter, "signal", "ferrite.telemetry.failed.total", "{items}",             \
    "ferrite.telemetry.failed", "{item}",                                                          \
    "Spans / log records the collector rejected or that failed after retries")                     \
  X(kTelemetryQueueLength, kUpDown, "signal", "ferrite.telemetry.queue.length", "{items}",         \
    "ferrite.telemetry.queue.size", "{item}", "Spans / log records waiting for export")

enum class MetricId : uint16_t {
#define FERRITE_METRIC_ID(id, ...) id,
  FERRITE_METRICS(FERRITE_METRIC_ID)
#undef FERRITE_METRIC_ID
      kCount
};
inline constexpr size_t kMetricCount = static_cast<size_t>(MetricId::kCount);

struct MetricDesc {
  MetricId id;
  MetricKind kind;
  std::string_view label;  // attribute key; empty when the metric has no attributes
  std::string_view seed_name;
  std::string_view seed_unit;
  std::string_view current_name;
  std::string_view current_unit;
  std::string_view help;

  std::string_view name(bool current) const { return current ? current_name : seed_name; }
  std::string_view unit(bool current) const { return current ? current_unit : seed_unit; }
};

inline constexpr std::array<MetricDesc, kMetricCount> kMetrics = {{
#define FERRITE_METRIC_DESC(id, kind, label, sn, su, cn, cu, help) \
  {MetricId::id, MetricKind::kind, label, sn, su, cn, cu, help},
    FERRITE_METRICS(FERRITE_METRIC_DESC)
#undef FERRITE_METRIC_DESC
}};

inline constexpr const MetricDesc& Desc(MetricId id) { return kMetrics[static_cast<size_t>(id)]; }

// Whether the scheme emits the seed names / the current names. Rows whose two names and units
// are equal are emitted once under kBoth.
inline constexpr bool EmitsSeed(NameScheme s) { return s != NameScheme::kNew; }
inline constexpr bool EmitsCurrent(NameScheme s) { return s != NameScheme::kOld; }
inline constexpr bool SameNames(const MetricDesc& d) {
  return d.seed_name == d.current_name && d.seed_unit == d.current_unit;
}

// The label value that folds every command outside the registry into one series.
inline constexpr std::string_view kUnknownCommandLabel = "unknown";

}  // namespace ferrite::telemetry::metrics
