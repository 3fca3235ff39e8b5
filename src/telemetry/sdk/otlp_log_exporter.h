#pragma once
// OtlpLogExporter: the OTLP logs pipeline, a log::Sink the telemetry runtime adds to the project
// logger when `logs_enabled` (with `enabled`) is set. The OTel "batch log record processor".
//
// Each record the logger's writer thread hands to Write() becomes an OTLP LogRecord:
//   time = the record's timestamp, observed time = when Write() saw it;
//   severity_number / severity_text = TRACE 1, DEBUG 5, INFO 9, WARN 13, ERROR 17 (the first
//   number of each range of the OTel log data model) and "TRACE" ... "ERROR";
//   body = the message (string);
//   attributes = the record's fields (ints, doubles, bools, strings; uint64 above INT64_MAX as
//   strings) plus `code.namespace` = the record's target ("ferrite::commands::strings");
//   trace_id / span_id / flags = the active sampled span's, when there was one.
// Strings that are not valid UTF-8 (binary keys) are escaped as the span builder does.
// Records of the target `opentelemetry` (the export pipeline's own diagnostics) are not exported,
// so a failing collector cannot feed its errors back into the pipeline.
//
// Write() encodes the record and queues it; it never waits for the network: when the queue holds
// max_queue_size records the record is dropped and counted (and reported, rate-limited). One
// exporter thread sends a batch when batch_size records are queued or schedule_delay has passed
// (OTEL_BLRP_MAX_EXPORT_BATCH_SIZE / OTEL_BLRP_SCHEDULE_DELAY), keeping requests below 3.5 MiB,
// and retries retryable failures with exponential backoff and jitter (honouring the server's
// delay) within export_timeout (OTEL_BLRP_EXPORT_TIMEOUT). The transport is the traces one built
// for the logs signal (OTEL_EXPORTER_OTLP_LOGS_*).
//
// Thread safety: Write/Flush from the logger's writer thread; ForceFlush, Shutdown and Stats from
// any thread. Shutdown is idempotent and bounded by its budget.

#include <chrono>
#include <cstdint>
#include <memory>

#include "base/log.h"
#include "base/result.h"
#include "telemetry/config/telemetry_config.h"
#include "telemetry/export/otlp_log_encoder.h"
#include "telemetry/export/span_data.h"
#include "telemetry/export/transport.h"

namespace ferrite::telemetry {

struct LogExportStats {
  uint64_t exported = 0;  // accepted by the collector
  uint64_t dropped = 0;   // never sent: queue full, or left at shutdown
  uint64_t failed = 0;    // sent but rejected (permanent error, retries exhausted, partial)
  uint64_t queue_length = 0;
  uint64_t export_requests = 0;
};

// The OTLP LogRecord for a project log record (exposed for tests). `observed_unix_ns` = now.
LogRecordData ToLogRecordData(const log::Record& record, uint64_t observed_unix_ns);
SeverityNumber SeverityFor(log::Level level);

class OtlpLogExporter final : public log::Sink {
 public:
  struct Options {
    std::chrono::milliseconds initial_backoff{500};
    std::chrono::milliseconds max_backoff{5000};
    int max_attempts = 6;
  };

  // `cfg` as given to the runtime: its logs settings (LogsExportConfig) pick the transport and
  // the batching. Fails when the transport cannot be built (e.g. unreadable CA file).
  static Result<std::shared_ptr<OtlpLogExporter>> Create(const TelemetryConfig& cfg,
                                                         const ResourceData& resource,
                                                         const ScopeData& scope,
                                                         std::string_view version,
                                                         const Options& options);
  // With a caller-provided transport (tests).
  OtlpLogExporter(const TelemetryConfig& cfg, const ResourceData& resource, const ScopeData& scope,
                  std::unique_ptr<Transport> transport, const Options& options);
  ~OtlpLogExporter() override;

  void Write(const log::Record& record) override;

  // Exports everything queued before the call; false if `timeout` passed first.
  bool ForceFlush(std::chrono::milliseconds timeout);
  // Stops accepting records, exports what is queued within `budget`, drops the rest.
  void Shutdown(std::chrono::milliseconds budget);
  LogExportStats Stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferrite::telemetry
