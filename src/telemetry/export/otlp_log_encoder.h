#pragma once
// OTLP logs encoding (opentelemetry-proto logs.v1, hand-written from the field numbers in
// /work/shared/reference/otel.md §1.2), in both wire formats, mirroring the trace encoder:
//   protobuf: ExportLogsServiceRequest{1: ResourceLogs{1: Resource, 2: ScopeLogs{1: scope,
//             2: LogRecord*, 3: schema_url}, 3: schema_url}} for OTLP/gRPC and OTLP/HTTP;
//   JSON:     the OTLP/JSON mapping (lowerCamelCase, hex ids, integer enums, 64-bit integers as
//             strings) for http/json.
// Records are encoded one by one (EncodeLogRecord) so the batch processor can size requests
// before joining them (EncodeLogsRequest). Strings must already be valid UTF-8.
//
// Thread safety: pure functions.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "telemetry/export/otlp_encoder.h"
#include "telemetry/export/span_data.h"

namespace ferrite::telemetry {

// OTel log data model SeverityNumber (the first number of each range).
enum class SeverityNumber : uint8_t {
  kUnspecified = 0,
  kTrace = 1,
  kDebug = 5,
  kInfo = 9,
  kWarn = 13,
  kError = 17,
  kFatal = 21,
};

struct LogRecordData {
  uint64_t time_unix_nano = 0;           // when the event happened (the record's timestamp)
  uint64_t observed_time_unix_nano = 0;  // when the exporter observed it
  SeverityNumber severity_number = SeverityNumber::kUnspecified;
  std::string severity_text;  // "INFO", ...
  std::string body;           // string body; empty = no body
  std::vector<KeyValue> attributes;
  uint32_t dropped_attributes = 0;
  TraceId trace_id;  // invalid = not emitted
  SpanId span_id;
  uint32_t flags = 0;  // W3C trace flags in the low 8 bits
};

std::string EncodeLogRecord(const LogRecordData& record, Encoding enc);
// Joins pre-encoded records under one ResourceLogs / ScopeLogs.
std::string EncodeLogsRequest(const ResourceData& resource, const ScopeData& scope,
                              std::span<const std::string> encoded_records, Encoding enc);

}  // namespace ferrite::telemetry
