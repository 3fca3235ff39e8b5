#pragma once
// OTLP transports: one Send() = one export request with its own deadline.
//
//   gRPC:          libgrpc++ generic stub (raw ByteBuffers; no generated code), unary call to
//                  the signal's method path, metadata keys lower-cased, gzip via gRPC message
//                  compression, TLS from an https:// endpoint (CA file, client cert/key) or
//                  plaintext for http:// (and, without a scheme, when `insecure`).
//   http/protobuf, http/json: libcurl POST with Content-Type, optional Content-Encoding: gzip,
//                  headers, TLS options, keep-alive between requests.
// Send() classifies the outcome the OTLP way: gRPC CANCELLED, DEADLINE_EXCEEDED, ABORTED,
// OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS (and RESOURCE_EXHAUSTED with RetryInfo) are retryable;
// HTTP 429/502/503/504 and connection failures are retryable; everything else is permanent.
// The server's delay (RetryInfo, Retry-After in seconds or HTTP-date) is returned for the
// retry loop to honour. A successful response's partial_success is decoded.
//
// Thread safety: a Transport is used by one thread (the exporter thread) at a time.
// Exceptions from gRPC / curl are contained here.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "telemetry/config/telemetry_config.h"
#include "telemetry/export/otlp_encoder.h"

namespace ferrite::telemetry {

struct Signal {
  std::string_view grpc_method;  // "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
  std::string_view http_path;    // "v1/traces"
};
inline constexpr Signal kTracesSignal{"/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                                      "v1/traces"};
inline constexpr Signal kLogsSignal{"/opentelemetry.proto.collector.logs.v1.LogsService/Export",
                                    "v1/logs"};
inline constexpr Signal kMetricsSignal{
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", "v1/metrics"};

struct TransportOptions {
  OtlpProtocol protocol = OtlpProtocol::kGrpc;
  std::string endpoint;     // resolved: full URL for HTTP, target or URL for gRPC
  std::string grpc_method;  // from Signal
  std::vector<std::pair<std::string, std::string>> headers;
  Compression compression = Compression::kNone;
  std::string ca_file;
  std::string client_cert_file;
  std::string client_key_file;
  bool insecure = false;
  std::string user_agent;

  // From a TelemetryConfig for one signal (per-signal endpoint `per_signal_endpoint`).
  static TransportOptions From(const TelemetryConfig& cfg, const Signal& signal,
                               std::string_view per_signal_endpoint, std::string_view version);
};

struct SendResult {
  enum class Kind : uint8_t { kSuccess, kRetryable, kPermanent };
  Kind kind = Kind::kPermanent;
  std::optional<std::chrono::milliseconds> retry_after;  // server-requested delay
  std::string error;                                     // for logs
  PartialSuccess partial;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // `timeout` 0 = no limit.
  virtual SendResult Send(std::string_view body, std::chrono::milliseconds timeout) = 0;
  Encoding encoding() const { return encoding_; }

 protected:
  Encoding encoding_ = Encoding::kProtobuf;
};

Result<std::unique_ptr<Transport>> MakeTransport(const TransportOptions& options);

// gzip (RFC 1952) of `in`; used for OTLP/HTTP bodies and by tests.
std::string GzipCompress(std::string_view in);
// Parses Retry-After: delay-seconds or an HTTP-date (relative to now).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view v);

}  // namespace ferrite::telemetry
