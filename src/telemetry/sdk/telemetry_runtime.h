#pragma once
// TelemetryRuntime: the trace pipeline behind telemetry/api. The app starts one with the
// effective TelemetryConfig and keeps it for the life of the process:
//
//   auto rt = telemetry::TelemetryRuntime::Start(cfg);      // Result<unique_ptr<...>>
//   if (!rt) log.warn(rt.error().message());                // e.g. "OTel not available: ..."
//   ... serve; CommandTrace / ScopedSpan record through the api ...
//   INFO:  for (auto& [k, v] : (*rt)->InfoFields()) ...     // the `# Telemetry` section
//   exit:  (*rt)->Shutdown(std::chrono::seconds(5));        // flushes within the budget
//
// It owns one exporter thread, which
//   - polls every producer thread's SPSC rings (no wake-ups from the command path: producers
//     never make a syscall), builds spans from the records and encodes them at once;
//   - keeps a bounded queue (max_queue_size spans; full = dropped and counted);
//   - exports a batch when batch_size spans are queued or batch_timeout_ms has passed since the
//     last export, splitting requests so each stays below 3.5 MiB;
//   - retries retryable failures with exponential backoff and jitter, honouring RetryInfo /
//     Retry-After, within export_timeout_ms per batch; keeps draining the rings while it waits,
//     so a down, slow or rejecting collector costs drops, never producer latency;
//   - logs export errors and partial successes through ReportDiagnostic (rate-limited).
// Shutdown stops accepting records, exports what is queued until the budget runs out, counts
// the rest as dropped, and detaches from the api (CommandTrace::Start returns false after).
//
// With `logs_enabled` (and `enabled`) Start() also adds an OtlpLogExporter (sdk/
// otlp_log_exporter.h) to the project logger, exporting every log record through the logs
// transport (OTEL_EXPORTER_OTLP_LOGS_*, OTEL_BLRP_*); Shutdown() removes and flushes it.
//
// Built without otel (FERRITE_WITH_OTEL=OFF) Start() fails with "OTel not available: built
// without the otel feature" and nothing else exists at run time.
//
// Thread safety: Start/Shutdown from one controlling thread; Stats/InfoFields/ForceFlush from
// any thread; RegisterThread is called by the api.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "telemetry/api/recorder.h"
#include "telemetry/config/telemetry_config.h"

namespace ferrite::telemetry {

struct TelemetryStats {
  uint64_t spans_exported = 0;   // accepted by the collector
  uint64_t spans_dropped = 0;    // never sent: queue or ring full, or left at shutdown
  uint64_t spans_failed = 0;     // sent but rejected (non-retryable, retries exhausted, partial)
  uint64_t queue_length = 0;     // spans queued plus records waiting in the rings
  uint64_t records_dropped = 0;  // of spans_dropped: records refused by a full ring
  uint64_t export_requests = 0;
  uint64_t export_retries = 0;
  // Logs pipeline (OtlpLogExporter), zero when logs are not exported.
  uint64_t logs_exported = 0;
  uint64_t logs_dropped = 0;
  uint64_t logs_failed = 0;
};

struct RetryPolicy {
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{5000};
  double multiplier = 2.0;
  int max_attempts = 6;
};

class TelemetryRuntime : public RecordSink {
 public:
  struct Options {
    std::string version;                         // service.version / scope version default
    size_t ring_capacity = 0;                    // per thread; 0 = from max_queue_size
    std::chrono::milliseconds poll_interval{5};  // how often idle rings are polled
    RetryPolicy retry;
  };

  static Result<std::unique_ptr<TelemetryRuntime>> Start(const TelemetryConfig& cfg);
  static Result<std::unique_ptr<TelemetryRuntime>> Start(const TelemetryConfig& cfg,
                                                         const Options& options);
  ~TelemetryRuntime() override;
  TelemetryRuntime(const TelemetryRuntime&) = delete;
  TelemetryRuntime& operator=(const TelemetryRuntime&) = delete;

  // Exports everything recorded before the call; false if `timeout` passed first.
  bool ForceFlush(std::chrono::milliseconds timeout);
  // Idempotent. Returns within about `budget` (plus one in-flight request's cancellation).
  void Shutdown(std::chrono::milliseconds budget = std::chrono::seconds(5));

  TelemetryStats Stats() const;
  // INFO `# Telemetry` fields, in order: otel_available, otel_enabled, otel_protocol,
  // otel_endpoint, otel_sampler, otel_spans_exported, otel_spans_dropped, otel_spans_failed,
  // otel_queue_length, otel_export_requests, otel_export_retries, otel_logs_enabled,
  // otel_logs_exported, otel_logs_dropped, otel_logs_failed.
  std::vector<std::pair<std::string, std::string>> InfoFields() const;

  std::shared_ptr<ThreadBuffer> RegisterThread() override;

  struct Impl;

 private:
  explicit TelemetryRuntime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// INFO fields when no runtime runs (disabled, or built without otel).
std::vector<std::pair<std::string, std::string>> InactiveInfoFields();

}  // namespace ferrite::telemetry
