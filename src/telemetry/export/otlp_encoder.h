#pragma once
// OTLP trace encoding, hand-written from opentelemetry-proto v1.x field numbers (see
// /work/shared/reference/otel.md §1.2 and §1.5), in both wire formats:
//   protobuf: ExportTraceServiceRequest for OTLP/gRPC and OTLP/HTTP (application/x-protobuf);
//   JSON:     the OTLP/JSON mapping (lowerCamelCase keys, hex ids, integer enums, 64-bit
//             integers as strings) for OTLP/HTTP (application/json).
// Spans are encoded one by one (EncodeSpan) so the batch processor can size requests before
// joining them (EncodeTraceRequest), which is how batches stay below the 4 MiB gRPC limit.
// Also decodes the responses: ExportTracePartialSuccess and google.rpc.Status RetryInfo.
//
// Thread safety: pure functions.

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "telemetry/export/span_data.h"

namespace ferrite::telemetry {

enum class Encoding : uint8_t { kProtobuf, kJson };

std::string EncodeSpan(const SpanData& span, Encoding enc);
// Joins pre-encoded spans under one ResourceSpans / ScopeSpans.
std::string EncodeTraceRequest(const ResourceData& resource, const ScopeData& scope,
                               std::span<const std::string> encoded_spans, Encoding enc);

struct PartialSuccess {
  int64_t rejected = 0;
  std::string error_message;
  bool present() const { return rejected != 0 || !error_message.empty(); }
};
// Export{Trace,Logs,Metrics}ServiceResponse all carry partial_success = 1 {1: rejected, 2: msg}.
PartialSuccess DecodeExportResponse(std::string_view body, Encoding enc);

// google.rpc.Status bytes (gRPC `grpc-status-details-bin`, or an OTLP/HTTP error body):
// the RetryInfo delay, if any.
std::optional<std::chrono::milliseconds> RetryDelayFromStatus(std::string_view status_bytes);
// The human message of a google.rpc.Status (protobuf or JSON body), best effort.
std::string StatusMessage(std::string_view body, Encoding enc);

// Appends `s` as a JSON string literal. REQUIRES: s is valid UTF-8.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace ferrite::telemetry
