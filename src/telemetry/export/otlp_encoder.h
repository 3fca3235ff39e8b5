#pragma once
// OTLP trace encoding, hand-written from opentelemetry-proto v1.x field numbers (see
// /work/shared/reference/otel.md §1.2 and §1.5), in both wire formats:
//   protobuf: ExportTraceServiceRequest for OTLP/gRPC and OTLP/HTTP (application/x-protobuf);
//   JSON:     the OTLP/JSON mapping (lowerCamelCase keys, hex ids, integer enums, 64-bit
//             integers as strings) for OTLP/HTTP (application/json).
// The exporter encodes spans one by one into a batch buffer (TraceRequestEncoder::AppendSpan),
// sizing requests as it goes, which is how batches stay below the 4 MiB gRPC limit.
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

// Appends one span: protobuf, the Span message body (no field tag); JSON, one span object.
void AppendSpan(const SpanView& span, Encoding enc, std::string* out);
std::string EncodeSpan(const SpanData& span, Encoding enc);

// ExportTraceServiceRequests under one resource and scope, both encoded once at construction:
// the exporter appends spans to a reused buffer (AppendSpan) and wraps them (Finish) with no
// per-span allocation and no re-encoding of the resource.
class TraceRequestEncoder {
 public:
  TraceRequestEncoder(const ResourceData& resource, const ScopeData& scope, Encoding enc);
  // Appends `span` to `joined` in the form Finish takes (protobuf: a ScopeSpans.spans field;
  // JSON: comma-separated span objects).
  void AppendSpan(const SpanView& span, std::string* joined) const;
  // Replaces *out with the request holding the spans in `joined`.
  void Finish(std::string_view joined, std::string* out) const;
  Encoding encoding() const { return enc_; }

 private:
  Encoding enc_;
  std::string head_;        // protobuf: ResourceSpans.resource; JSON: everything before the spans
  std::string scope_;       // protobuf: ScopeSpans.scope
  std::string scope_tail_;  // protobuf: ScopeSpans.schema_url
  std::string tail_;        // protobuf: ResourceSpans.schema_url; JSON: everything after
};

// Joins pre-encoded spans (EncodeSpan) under one ResourceSpans / ScopeSpans.
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
