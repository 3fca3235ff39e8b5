#include "telemetry/export/otlp_log_encoder.h"

#include "telemetry/export/otlp_common.h"
#include "telemetry/export/proto_wire.h"

namespace ferrite::telemetry {
namespace {

using wire::ProtoWriter;

std::string EncodeLogProto(const LogRecordData& r) {
  std::string out;
  out.reserve(128 + r.body.size() + 48 * r.attributes.size());
  ProtoWriter w(&out);
  if (r.time_unix_nano) w.Fixed64(1, r.time_unix_nano);
  w.VarintIf(2, static_cast<uint64_t>(r.severity_number));
  w.BytesIf(3, r.severity_text);
  if (!r.body.empty()) {
    size_t m = w.Begin(5);
    w.Bytes(1, r.body);  // AnyValue.string_value
    w.End(m);
  }
  for (const KeyValue& kv : r.attributes) WriteKeyValue(w, 6, kv);
  w.VarintIf(7, r.dropped_attributes);
  if (r.flags) w.Fixed32(8, r.flags);
  if (r.trace_id.IsValid() && r.span_id.IsValid()) {
    w.Bytes(9, IdBytes(r.trace_id));
    w.Bytes(10, IdBytes(r.span_id));
  }
  if (r.observed_time_unix_nano) w.Fixed64(11, r.observed_time_unix_nano);
  return out;
}

std::string EncodeRequestProto(const ResourceData& resource, const ScopeData& scope,
                               std::span<const std::string> records) {
  size_t total = 0;
  for (const std::string& s : records) total += s.size() + 6;
  std::string out;
  out.reserve(total + 512);
  ProtoWriter w(&out);
  size_t rl = w.Begin(1);  // ResourceLogs
  {
    size_t r = w.Begin(1);  // Resource
    for (const KeyValue& kv : resource.attributes) WriteKeyValue(w, 1, kv);
    w.End(r);
    size_t sl = w.Begin(2);  // ScopeLogs
    size_t sc = w.Begin(1);  // InstrumentationScope
    w.BytesIf(1, scope.name);
    w.BytesIf(2, scope.version);
    w.End(sc);
    for (const std::string& s : records) w.Bytes(2, s);
    w.BytesIf(3, scope.schema_url);
    w.End(sl);
    w.BytesIf(3, resource.schema_url);
  }
  w.End(rl);
  return out;
}

std::string EncodeLogJson(const LogRecordData& r) {
  std::string out;
  out.reserve(256 + r.body.size() + 64 * r.attributes.size());
  out.append("{\"timeUnixNano\":\"").append(std::to_string(r.time_unix_nano));
  out.append("\",\"observedTimeUnixNano\":\"").append(std::to_string(r.observed_time_unix_nano));
  out.append("\",\"severityNumber\":").append(std::to_string(static_cast<int>(r.severity_number)));
  out.append(",\"severityText\":");
  AppendJsonString(&out, r.severity_text);
  if (!r.body.empty()) {
    out.append(",\"body\":{\"stringValue\":");
    AppendJsonString(&out, r.body);
    out.push_back('}');
  }
  out.push_back(',');
  AppendJsonAttributes(&out, r.attributes);
  if (r.dropped_attributes)
    out.append(",\"droppedAttributesCount\":").append(std::to_string(r.dropped_attributes));
  if (r.flags) out.append(",\"flags\":").append(std::to_string(r.flags));
  if (r.trace_id.IsValid() && r.span_id.IsValid()) {
    out.append(",\"traceId\":");
    AppendJsonHexId(&out, r.trace_id);
    out.append(",\"spanId\":");
    AppendJsonHexId(&out, r.span_id);
  }
  out.push_back('}');
  return out;
}

std::string EncodeRequestJson(const ResourceData& resource, const ScopeData& scope,
                              std::span<const std::string> records) {
  std::string out, tail;
  size_t total = 0;
  for (const std::string& s : records) total += s.size() + 1;
  out.reserve(total + 1024);
  AppendJsonEnvelope(resource, scope, "Logs", "logRecords", &out, &tail);
  for (size_t i = 0; i < records.size(); ++i) {
    if (i) out.push_back(',');
    out.append(records[i]);
  }
  return out.append(tail);
}

}  // namespace

std::string EncodeLogRecord(const LogRecordData& record, Encoding enc) {
  return enc == Encoding::kJson ? EncodeLogJson(record) : EncodeLogProto(record);
}

std::string EncodeLogsRequest(const ResourceData& resource, const ScopeData& scope,
                              std::span<const std::string> encoded_records, Encoding enc) {
  return enc == Encoding::kJson ? EncodeRequestJson(resource, scope, encoded_records)
                                : EncodeRequestProto(resource, scope, encoded_records);
}

}  // namespace ferrite::telemetry
