#pragma once
// The server's side of the metrics registry: a Collector::Source that reads, at collection time,
// the counters the server already keeps, so /metrics, OTLP and INFO report the same numbers:
//
//   ServerStats     commands (per command id), connections received, network bytes, errors
//   StoreStats      tier sizes, mutable-region hits and misses, expired / evicted keys, epoch
//   ClientRegistry  active connections
//   Store           keys per database
//   ServerContext   max_memory; used memory computed as INFO's used_memory
//
// Also builds the Collector's command label table from the registry (CanonicalName by id).
//
// Thread safety: the source may run on any thread while the server serves (every value it
// reads is a relaxed atomic, an internally locked structure, or immutable).

#include <string>
#include <vector>

#include "server/server_context.h"
#include "telemetry/metrics/collector.h"

namespace ferrite::telemetry::metrics {

// CanonicalName of every spec, indexed by spec.id ("GET", "CONFIG GET").
std::vector<std::string> CommandLabels(const server::CommandRegistry& registry);

// REQUIRES: `server` outlives every Collect() of the collector it is added to.
Collector::Source ServerSource(server::ServerContext& server);

// INFO's used_memory: the larger of the heap in use and the engine's own accounting.
uint64_t UsedMemory(server::ServerContext& server);

}  // namespace ferrite::telemetry::metrics
