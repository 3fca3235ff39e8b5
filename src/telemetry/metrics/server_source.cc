#include "telemetry/metrics/server_source.h"

#include <malloc.h>

#include <algorithm>

#include "server/registry/command_registry.h"

namespace ferrite::telemetry::metrics {

namespace {

int64_t I(uint64_t v) { return static_cast<int64_t>(v); }

}  // namespace

std::vector<std::string> CommandLabels(const server::CommandRegistry& registry) {
  std::vector<std::string> labels(registry.size());
  for (uint32_t id = 0; id < registry.size(); ++id) {
    const server::CommandSpec& spec = registry.ById(id);
    if (spec.id < labels.size()) labels[spec.id] = std::string(server::CanonicalName(spec));
  }
  return labels;
}

uint64_t UsedMemory(server::ServerContext& server) {
  // Same formula as server/info.cc MemorySection (used_memory).
  struct mallinfo2 mi = mallinfo2();
  uint64_t heap = mi.uordblks + mi.hblkhd;
  return std::max<uint64_t>(heap, server.store().Stats().memory_used);
}

Collector::Source ServerSource(server::ServerContext& server) {
  return [&server](MetricsSnapshot& snap) {
    server::ServerStats& stats = server.stats();
    const server::CommandRegistry& registry = server.registry();
    for (uint32_t id = 0; id < registry.size() && id < server::kMaxCommandIds; ++id) {
      const server::CommandSpec& spec = registry.ById(id);
      uint64_t calls = stats.SumCommand(spec.id).calls;
      if (calls == 0) continue;
      snap.AddInt(MetricId::kCommands, server::CanonicalName(spec), I(calls));
    }

    storage::Store& store = server.store();
    storage::StoreStats st = store.Stats();
    snap.AddInt(MetricId::kMemoryUsed, "", I(UsedMemory(server)));
    snap.AddInt(MetricId::kMemoryMax, "", I(server.max_memory));

    snap.AddInt(MetricId::kConnectionsActive, "", I(server.clients().Count()));
    snap.AddInt(MetricId::kConnectionsTotal, "",
                I(stats.Sum(&server::ThreadStats::connections_received)));

    const uint64_t hits = st.reads_mutable;
    const uint64_t misses = st.reads_read_only + st.reads_disk;
    snap.AddInt(MetricId::kCacheHits, "", I(hits));
    snap.AddInt(MetricId::kCacheMisses, "", I(misses));
    snap.AddDouble(MetricId::kCacheHitRate, "",
                   hits + misses == 0 ? 0.0 : static_cast<double>(hits) / (hits + misses));

    snap.AddInt(MetricId::kHybridlogTierSize, storage::TierName(storage::Tier::kMutable),
                I(st.bytes_mutable));
    snap.AddInt(MetricId::kHybridlogTierSize, storage::TierName(storage::Tier::kReadOnly),
                I(st.bytes_read_only));
    snap.AddInt(MetricId::kHybridlogTierSize, storage::TierName(storage::Tier::kDisk),
                I(st.bytes_disk));

    for (storage::DbIndex db = 0; db < store.num_databases(); ++db) {
      snap.AddInt(MetricId::kKeys, std::to_string(db), I(store.KeyCount(db)));
    }
    snap.AddInt(MetricId::kKeysExpired, "", I(st.expired_keys));
    snap.AddInt(MetricId::kKeysEvicted, "", I(st.evicted_keys));

    snap.AddInt(MetricId::kNetworkBytesReceived, "",
                I(stats.Sum(&server::ThreadStats::net_input_bytes)));
    snap.AddInt(MetricId::kNetworkBytesSent, "",
                I(stats.Sum(&server::ThreadStats::net_output_bytes)));
    snap.AddInt(MetricId::kEpochCurrent, "", I(st.current_epoch));

    for (const auto& [code, count] : stats.ErrorCounts()) {
      snap.AddInt(MetricId::kErrors, code, I(count));
    }
  };
}

}  // namespace ferrite::telemetry::metrics
