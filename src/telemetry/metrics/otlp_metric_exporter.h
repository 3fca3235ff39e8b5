#pragma once
// OtlpMetricExporter: the periodic metric reader. Every `interval` it collects a snapshot,
// encodes it (otlp_metrics.h, in the transport's encoding) and sends it through the telemetry
// transports (the same gRPC / HTTP code, TLS, headers, compression and retry rules as traces).
// Retryable failures are retried with exponential backoff (honouring the server's RetryInfo /
// Retry-After) until `timeout` has passed for that export; then the export is counted as failed
// and the next interval starts afresh (cumulative data repeats the totals, so nothing is lost;
// a lost delta window is lost, as the spec allows).
//
//   auto opts = metrics::OtlpMetricExporter::OptionsFrom(cfg, getenv_fn);   // interval, timeout,
//                                                                            // temporality,
//                                                                            endpoint
//   auto ex = metrics::OtlpMetricExporter::Start(cfg, opts, &collector);      // Result<unique_ptr>
//   ...
//   ex->Shutdown(std::chrono::seconds(5));    // one final export, then stop
//
// Thread safety: Start/Shutdown from one controlling thread; ForceFlush and Stats from any.
// The exporter thread is its own: it never runs on an event loop.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "telemetry/config/telemetry_config.h"
#include "telemetry/export/transport.h"
#include "telemetry/metrics/collector.h"
#include "telemetry/metrics/otlp_metrics.h"

namespace ferrite::telemetry::metrics {

class OtlpMetricExporter {
 public:
  struct Options {
    std::chrono::milliseconds interval{
        60'000};  // metrics_export_interval, OTEL_METRIC_EXPORT_INTERVAL
    std::chrono::milliseconds timeout{30'000};  // OTEL_METRIC_EXPORT_TIMEOUT
    std::string endpoint;                 // OTEL_EXPORTER_OTLP_METRICS_ENDPOINT; empty = generic
    OtlpMetricsEncoder::Options encoder;  // temporality, names, resource, scope
    std::chrono::milliseconds initial_backoff{500};
    std::chrono::milliseconds max_backoff{5'000};
  };

  struct Stats {
    uint64_t exports = 0;   // requests accepted
    uint64_t failures = 0;  // exports abandoned (permanent error or timeout)
    uint64_t retries = 0;
    uint64_t rejected_points = 0;  // partial success
  };

  // From [telemetry] (metrics_export_interval in seconds) and the environment, which wins:
  // OTEL_METRIC_EXPORT_INTERVAL / OTEL_METRIC_EXPORT_TIMEOUT (ms),
  // OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT.
  // Resource: service.name / service.version / service.namespace and resource_attributes.
  // Invalid environment values are ignored and described in `warnings`.
  static Options OptionsFrom(const TelemetryConfig& cfg, std::string_view version,
                             const std::function<const char*(const char*)>& getenv,
                             std::vector<std::string>* warnings = nullptr);

  // Builds the transport from `cfg` (protocol, TLS, headers, compression) for the metrics signal.
  static Result<std::unique_ptr<OtlpMetricExporter>> Start(const TelemetryConfig& cfg,
                                                           std::string_view version,
                                                           const Options& options,
                                                           const Collector* collector);
  // With a given transport (tests).
  static std::unique_ptr<OtlpMetricExporter> Start(const Options& options,
                                                   std::unique_ptr<Transport> transport,
                                                   const Collector* collector);
  ~OtlpMetricExporter();

  // Exports now; false if that export did not succeed within `timeout`.
  bool ForceFlush(std::chrono::milliseconds timeout);
  // One final export within `budget`, then the thread stops. Idempotent.
  void Shutdown(std::chrono::milliseconds budget = std::chrono::seconds(5));
  Stats stats() const;

  struct Impl;

 private:
  explicit OtlpMetricExporter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferrite::telemetry::metrics
