#pragma once
// TelemetryConfig: the `[telemetry]` table of ferrite.toml plus the OTEL_* environment.
//
// The config engineer's parser calls, in this order:
//   ParseTelemetryTable(table, &cfg, &prov)   // file values; unknown key / wrong type = error
//   ApplyOtelEnvironment(&cfg, &prov, getenv)  // OTEL_* variables win over the file
//   DumpTelemetryToml(cfg, prov)               // `ferrite --dump-config`: valid TOML with a
//                                              // `# from: default|file|env:OTEL_X` per key
// Keys (see docs/telemetry.md for each): the seed's enabled, endpoint, protocol, service_name,
// service_version, service_namespace, sample_rate, traces_enabled, metrics_enabled,
// logs_enabled, metrics_export_interval, batch_size, batch_timeout_ms, [resource_attributes],
// [headers] (with ${VAR} expansion in values), and Ferrite's additions traces_endpoint,
// span_detail, statement, semconv_stability_opt_in, sampler, sampler_arg, compression,
// timeout_ms, certificate, client_certificate, client_key, insecure, max_queue_size,
// export_timeout_ms; for the logs signal logs_endpoint, logs_batch_size, logs_batch_timeout_ms,
// logs_max_queue_size, logs_export_timeout_ms (OTEL_BLRP_*), and from the environment only the
// per-signal OTEL_EXPORTER_OTLP_LOGS_{PROTOCOL,HEADERS,TIMEOUT,COMPRESSION} overrides
// (LogsExportConfig() folds them into a config the logs transport is built from).
//
// `sample_rate` maps onto the ratio sampler: the default sampler is parentbased_traceidratio
// with ratio = sampler_arg if set, else sample_rate. Env parsing follows the OTel rules: an
// empty variable is unset, booleans are true only for "true", enums are case-insensitive, and
// an invalid value is ignored with a warning (appended to TelemetryConfig::warnings).
//
// Thread safety: plain values; parse once at startup.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "base/status.h"
#include "telemetry/api/records.h"
#include "telemetry/api/sampler.h"
#include "telemetry/api/semconv.h"
#include "telemetry/api/statement.h"

namespace ferrite::telemetry {

enum class OtlpProtocol : unsigned char { kGrpc, kHttpProtobuf, kHttpJson };
enum class Compression : unsigned char { kNone, kGzip };

struct TelemetryConfig {
  bool enabled = false;
  std::string endpoint;         // generic endpoint; empty = protocol default
  std::string traces_endpoint;  // per-signal endpoint, used as is
  OtlpProtocol protocol = OtlpProtocol::kGrpc;
  std::string service_name = "ferrite";
  std::string service_version;  // empty = the build's version
  std::string service_namespace;
  double sample_rate = 1.0;
  SamplerKind sampler = SamplerKind::kParentBasedTraceIdRatio;
  std::optional<double> sampler_arg;
  bool traces_enabled = true;
  bool metrics_enabled = true;
  bool logs_enabled = true;
  int64_t metrics_export_interval = 60;  // seconds
  int64_t batch_size = 512;
  int64_t batch_timeout_ms = 5000;
  int64_t max_queue_size = 2048;
  int64_t export_timeout_ms = 30000;
  int64_t timeout_ms = 10000;  // per request; 0 = no limit
  Compression compression = Compression::kNone;
  std::string certificate;  // CA bundle (PEM) to verify the collector
  std::string client_certificate;
  std::string client_key;
  bool insecure = false;  // gRPC without scheme: plaintext
  SpanDetail span_detail = SpanDetail::kFull;
  StatementMode statement = StatementMode::kSanitized;
  semconv::NameScheme semconv = semconv::NameScheme::kOld;
  std::vector<std::pair<std::string, std::string>> resource_attributes;  // file order
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> warnings;  // ignored environment values, for the logger

  // Logs signal (the batch log record processor, OTEL_BLRP_*; defaults from the OTel spec).
  std::string logs_endpoint;  // per-signal endpoint, used as is
  int64_t logs_batch_size = 512;
  int64_t logs_batch_timeout_ms = 1000;
  int64_t logs_max_queue_size = 2048;
  int64_t logs_export_timeout_ms = 30000;
  // OTEL_EXPORTER_OTLP_LOGS_* overrides of the generic values (unset = use the generic one).
  std::optional<OtlpProtocol> logs_protocol;
  std::optional<int64_t> logs_timeout_ms;
  std::optional<Compression> logs_compression;
  std::vector<std::pair<std::string, std::string>> logs_headers;  // replace same-named headers
};

// Where each effective value came from, keyed "telemetry.<key>" (tables: "telemetry.headers.<k>").
// Values: "file", "env:OTEL_X"; absent = default.
using Provenance = std::map<std::string, std::string>;

Status ParseTelemetryTable(const toml::table& t, TelemetryConfig* out, Provenance* prov);
void ApplyOtelEnvironment(TelemetryConfig* cfg, Provenance* prov,
                          const std::function<const char*(const char*)>& getenv);
std::string DumpTelemetryToml(const TelemetryConfig& cfg, const Provenance& prov);

// Derived values.
std::string EffectiveEndpoint(const TelemetryConfig& cfg);  // generic, protocol default applied
// The URL (HTTP) or target (gRPC) for one signal: a per-signal endpoint is used as is (HTTP: "/"
// when it has no path); the generic one gets "v1/<signal>" appended for HTTP.
std::string ResolveSignalEndpoint(const TelemetryConfig& cfg, std::string_view per_signal,
                                  std::string_view signal_path /* "v1/traces" */);
inline std::string ResolveTracesEndpoint(const TelemetryConfig& cfg) {
  return ResolveSignalEndpoint(cfg, cfg.traces_endpoint, "v1/traces");
}
inline std::string ResolveLogsEndpoint(const TelemetryConfig& cfg) {
  return ResolveSignalEndpoint(cfg, cfg.logs_endpoint, "v1/logs");
}
// `cfg` with the OTEL_EXPORTER_OTLP_LOGS_* overrides applied to the generic transport fields
// (protocol, timeout_ms, compression, headers), so TransportOptions::From(.., kLogsSignal,
// logs_endpoint, ..) builds the logs transport exactly like the traces one.
TelemetryConfig LogsExportConfig(const TelemetryConfig& cfg);
Sampler EffectiveSampler(const TelemetryConfig& cfg);
std::string_view ProtocolName(OtlpProtocol p);
std::optional<OtlpProtocol> ParseProtocol(std::string_view v);

// W3C-baggage-style "k1=v1,k2=v2" with percent-decoding and OWS trimming (OTEL_*_HEADERS and
// OTEL_RESOURCE_ATTRIBUTES). nullopt when malformed (the whole variable is then discarded).
std::optional<std::vector<std::pair<std::string, std::string>>> ParseKeyValueList(
    std::string_view v);
// Replaces ${VAR} with getenv(VAR) (unset = empty).
std::string ExpandVariables(std::string_view v,
                            const std::function<const char*(const char*)>& getenv);

}  // namespace ferrite::telemetry
