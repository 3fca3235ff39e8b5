#pragma once
// A fully populated registry for the format checks (promtool, protobufjs, Prometheus) and the
// benchmark: every command id of a registry-sized table has recorded latencies (with
// exemplars on some buckets), and a source fills every server-side metric with fixed values.
//
// Thread safety: call from one thread before collecting.

#include <string>
#include <vector>

#include "telemetry/metrics/cells.h"
#include "telemetry/metrics/collector.h"

namespace ferrite::telemetry::metrics::testing {

// `commands` labels "CMD0".."CMDn-1" (two-word ones for every 7th, like "CONFIG GET").
inline std::vector<std::string> SampleCommandNames(size_t commands) {
  std::vector<std::string> names;
  for (size_t i = 0; i < commands; ++i) {
    names.push_back(i % 7 == 3 ? "CMD" + std::to_string(i) + " SUB" : "CMD" + std::to_string(i));
  }
  return names;
}

// Records `per_command` latencies for every command id and a few AOF fsyncs.
inline void RecordSampleTraffic(size_t commands, int per_command) {
  for (size_t id = 0; id < commands; ++id) {
    for (int i = 0; i < per_command; ++i) {
      uint64_t ns = 500 + (id * 997 + static_cast<uint64_t>(i) * 7919) % 3'000'000;
      if (i == 0) {
        ExemplarRef ex;
        for (size_t b = 0; b < 16; ++b) ex.trace_id.bytes[b] = static_cast<uint8_t>(id + b + 1);
        for (size_t b = 0; b < 8; ++b) ex.span_id.bytes[b] = static_cast<uint8_t>(id * 3 + b + 1);
        RecordCommand(static_cast<uint32_t>(id), ns, &ex);
      } else {
        RecordCommand(static_cast<uint32_t>(id), ns, nullptr);
      }
    }
  }
  RecordCommand(kUnknownCommandId, 0, nullptr);
  for (uint64_t ns : {200'000ull, 1'500'000ull, 30'000'000ull}) RecordAofFsync(ns);
}

inline void AddSampleServerSource(Collector& c) {
  c.AddSource([](MetricsSnapshot& s) {
    s.AddInt(MetricId::kCommands, "CMD0", 11);
    s.AddInt(MetricId::kCommands, "CMD3 SUB", 4);
    s.AddInt(MetricId::kMemoryUsed, "", 10 << 20);
    s.AddInt(MetricId::kMemoryMax, "", 64 << 20);
    s.AddInt(MetricId::kConnectionsActive, "", 3);
    s.AddInt(MetricId::kConnectionsTotal, "", 17);
    s.AddDouble(MetricId::kCacheHitRate, "", 0.8);
    s.AddInt(MetricId::kCacheHits, "", 80);
    s.AddInt(MetricId::kCacheMisses, "", 20);
    s.AddInt(MetricId::kHybridlogTierSize, "mutable", 4096);
    s.AddInt(MetricId::kHybridlogTierSize, "read_only", 2048);
    s.AddInt(MetricId::kHybridlogTierSize, "disk", 1 << 20);
    s.AddInt(MetricId::kKeys, "0", 5);
    s.AddInt(MetricId::kKeys, "1", 0);
    s.AddInt(MetricId::kKeysExpired, "", 2);
    s.AddInt(MetricId::kKeysEvicted, "", 1);
    s.AddInt(MetricId::kNetworkBytesReceived, "", 1234);
    s.AddInt(MetricId::kNetworkBytesSent, "", 5678);
    s.AddInt(MetricId::kEpochCurrent, "", 42);
    s.AddInt(MetricId::kErrors, "ERR", 3);
    s.AddInt(MetricId::kErrors, "WRONGTYPE", 1);
  });
  c.SetTelemetryStats([] {
    TelemetrySelfStats t;
    t.traces = {true, 100, 2, 1, 7};
    t.logs = {true, 50, 0, 0, 1};
    return t;
  });
}

}  // namespace ferrite::telemetry::metrics::testing
