#include "telemetry/export/otlp_encoder.h"

#include <cstdio>

#include "telemetry/export/proto_wire.h"

namespace ferrite::telemetry {
namespace {

using wire::ProtoReader;
using wire::ProtoWriter;

// ---- protobuf ---------------------------------------------------------------------------------

void WriteAnyValue(ProtoWriter& w, uint32_t field, const AttrValue& v) {
  size_t m = w.Begin(field);
  switch (v.type) {
    case AttrType::kString:
      w.Bytes(1, v.s);
      break;
    case AttrType::kBool:
      w.Bool(2, v.b);
      break;
    case AttrType::kInt:
      w.Int64(3, v.i);
      break;
    case AttrType::kDouble:
      w.Double(4, v.d);
      break;
    case AttrType::kNone:
      break;
  }
  w.End(m);
}

void WriteKeyValue(ProtoWriter& w, uint32_t field, const KeyValue& kv) {
  size_t m = w.Begin(field);
  w.Bytes(1, kv.key);
  WriteAnyValue(w, 2, kv.value);
  w.End(m);
}

std::string_view IdBytes(const auto& id) {
  return {reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size()};
}

std::string EncodeSpanProto(const SpanData& s) {
  std::string out;
  out.reserve(256 + 48 * s.attributes.size());
  ProtoWriter w(&out);
  w.Bytes(1, IdBytes(s.trace_id));
  w.Bytes(2, IdBytes(s.span_id));
  w.BytesIf(3, s.trace_state);
  if (s.parent_span_id.IsValid()) w.Bytes(4, IdBytes(s.parent_span_id));
  w.Bytes(5, s.name);
  w.VarintIf(6, static_cast<uint64_t>(s.kind));
  w.Fixed64(7, s.start_unix_ns);
  w.Fixed64(8, s.end_unix_ns);
  for (const KeyValue& kv : s.attributes) WriteKeyValue(w, 9, kv);
  w.VarintIf(10, s.dropped_attributes);
  if (s.status != StatusCode::kUnset) {
    size_t m = w.Begin(15);
    if (s.status == StatusCode::kError) w.BytesIf(2, s.status_message);
    w.Varint(3, static_cast<uint64_t>(s.status));
    w.End(m);
  }
  if (s.flags != 0) w.Fixed32(16, s.flags);
  return out;
}

std::string EncodeRequestProto(const ResourceData& resource, const ScopeData& scope,
                               std::span<const std::string> spans) {
  size_t total = 0;
  for (const std::string& s : spans) total += s.size() + 6;
  std::string out;
  out.reserve(total + 512);
  ProtoWriter w(&out);
  size_t rs = w.Begin(1);  // ResourceSpans
  {
    size_t r = w.Begin(1);  // Resource
    for (const KeyValue& kv : resource.attributes) WriteKeyValue(w, 1, kv);
    w.End(r);
    size_t ss = w.Begin(2);  // ScopeSpans
    size_t sc = w.Begin(1);  // InstrumentationScope
    w.BytesIf(1, scope.name);
    w.BytesIf(2, scope.version);
    w.End(sc);
    for (const std::string& s : spans) w.Bytes(2, s);
    w.BytesIf(3, scope.schema_url);
    w.End(ss);
    w.BytesIf(3, resource.schema_url);
  }
  w.End(rs);
  return out;
}

// ---- JSON -------------------------------------------------------------------------------------

void AppendHex(std::string* out, const auto& id) {
  char buf[32];
  HexEncode(id.bytes.data(), id.bytes.size(), buf);
  out->push_back('"');
  out->append(buf, id.bytes.size() * 2);
  out->push_back('"');
}

void AppendJsonAnyValue(std::string* out, const AttrValue& v) {
  switch (v.type) {
    case AttrType::kString:
      out->append("{\"stringValue\":");
      AppendJsonString(out, v.s);
      break;
    case AttrType::kBool:
      out->append(v.b ? "{\"boolValue\":true" : "{\"boolValue\":false");
      break;
    case AttrType::kInt:
      out->append("{\"intValue\":\"").append(std::to_string(v.i)).append("\"");
      break;
    case AttrType::kDouble: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", v.d);
      out->append("{\"doubleValue\":").append(buf);
      break;
    }
    case AttrType::kNone:
      out->append("{");
      break;
  }
  out->push_back('}');
}

void AppendJsonAttributes(std::string* out, const std::vector<KeyValue>& attrs) {
  out->append("\"attributes\":[");
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (i) out->push_back(',');
    out->append("{\"key\":");
    AppendJsonString(out, attrs[i].key);
    out->append(",\"value\":");
    AppendJsonAnyValue(out, attrs[i].value);
    out->push_back('}');
  }
  out->push_back(']');
}

std::string EncodeSpanJson(const SpanData& s) {
  std::string out;
  out.reserve(512 + 64 * s.attributes.size());
  out.append("{\"traceId\":");
  AppendHex(&out, s.trace_id);
  out.append(",\"spanId\":");
  AppendHex(&out, s.span_id);
  if (!s.trace_state.empty()) {
    out.append(",\"traceState\":");
    AppendJsonString(&out, s.trace_state);
  }
  if (s.parent_span_id.IsValid()) {
    out.append(",\"parentSpanId\":");
    AppendHex(&out, s.parent_span_id);
  }
  out.append(",\"name\":");
  AppendJsonString(&out, s.name);
  out.append(",\"kind\":").append(std::to_string(static_cast<int>(s.kind)));
  out.append(",\"startTimeUnixNano\":\"").append(std::to_string(s.start_unix_ns));
  out.append("\",\"endTimeUnixNano\":\"").append(std::to_string(s.end_unix_ns)).append("\",");
  AppendJsonAttributes(&out, s.attributes);
  if (s.dropped_attributes)
    out.append(",\"droppedAttributesCount\":").append(std::to_string(s.dropped_attributes));
  if (s.status != StatusCode::kUnset) {
    out.append(",\"status\":{");
    if (s.status == StatusCode::kError && !s.status_message.empty()) {
      out.append("\"message\":");
      AppendJsonString(&out, s.status_message);
      out.push_back(',');
    }
    out.append("\"code\":").append(std::to_string(static_cast<int>(s.status))).append("}");
  }
  if (s.flags) out.append(",\"flags\":").append(std::to_string(s.flags));
  out.push_back('}');
  return out;
}

std::string EncodeRequestJson(const ResourceData& resource, const ScopeData& scope,
                              std::span<const std::string> spans) {
  size_t total = 0;
  for (const std::string& s : spans) total += s.size() + 1;
  std::string out;
  out.reserve(total + 1024);
  out.append("{\"resourceSpans\":[{\"resource\":{");
  AppendJsonAttributes(&out, resource.attributes);
  out.append("},\"scopeSpans\":[{\"scope\":{\"name\":");
  AppendJsonString(&out, scope.name);
  out.append(",\"version\":");
  AppendJsonString(&out, scope.version);
  out.append("},\"spans\":[");
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i) out.push_back(',');
    out.append(spans[i]);
  }
  out.append("],\"schemaUrl\":");
  AppendJsonString(&out, scope.schema_url);
  out.append("}],\"schemaUrl\":");
  AppendJsonString(&out, resource.schema_url);
  out.append("}]}");
  return out;
}

// Finds `"key"` in a JSON text and returns the raw value after the colon (a string without its
// quotes, or a number). Enough for the two small response shapes OTLP defines.
std::optional<std::string> JsonField(std::string_view body, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\"";
  size_t p = body.find(needle);
  if (p == std::string_view::npos) return std::nullopt;
  p = body.find(':', p + needle.size());
  if (p == std::string_view::npos) return std::nullopt;
  ++p;
  while (p < body.size() && (body[p] == ' ' || body[p] == '\n' || body[p] == '\t')) ++p;
  if (p >= body.size()) return std::nullopt;
  std::string out;
  if (body[p] == '"') {
    for (++p; p < body.size() && body[p] != '"'; ++p) {
      if (body[p] == '\\' && p + 1 < body.size()) ++p;
      out.push_back(body[p]);
    }
    return out;
  }
  while (p < body.size() && (isdigit(static_cast<unsigned char>(body[p])) || body[p] == '-'))
    out.push_back(body[p++]);
  return out;
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

std::string EncodeSpan(const SpanData& span, Encoding enc) {
  return enc == Encoding::kProtobuf ? EncodeSpanProto(span) : EncodeSpanJson(span);
}

std::string EncodeTraceRequest(const ResourceData& resource, const ScopeData& scope,
                               std::span<const std::string> encoded_spans, Encoding enc) {
  return enc == Encoding::kProtobuf ? EncodeRequestProto(resource, scope, encoded_spans)
                                    : EncodeRequestJson(resource, scope, encoded_spans);
}

PartialSuccess DecodeExportResponse(std::string_view body, Encoding enc) {
  PartialSuccess ps;
  if (enc == Encoding::kJson) {
    for (std::string_view k : {"rejectedSpans", "rejectedLogRecords", "rejectedDataPoints"}) {
      if (auto v = JsonField(body, k)) ps.rejected = std::strtoll(v->c_str(), nullptr, 10);
    }
    if (auto v = JsonField(body, "errorMessage")) ps.error_message = *v;
    return ps;
  }
  ProtoReader r(body);
  while (r.Next()) {
    if (r.field() != 1 || r.type() != wire::kLen) continue;
    ProtoReader p(r.bytes());
    while (p.Next()) {
      if (p.field() == 1 && p.type() == wire::kVarint)
        ps.rejected = static_cast<int64_t>(p.varint());
      if (p.field() == 2 && p.type() == wire::kLen) ps.error_message.assign(p.bytes());
    }
  }
  return ps;
}

std::optional<std::chrono::milliseconds> RetryDelayFromStatus(std::string_view status_bytes) {
  constexpr std::string_view kRetryInfo = "type.googleapis.com/google.rpc.RetryInfo";
  ProtoReader r(status_bytes);
  while (r.Next()) {
    if (r.field() != 3 || r.type() != wire::kLen) continue;  // details: repeated Any
    ProtoReader any(r.bytes());
    std::string_view type_url, value;
    while (any.Next()) {
      if (any.field() == 1 && any.type() == wire::kLen) type_url = any.bytes();
      if (any.field() == 2 && any.type() == wire::kLen) value = any.bytes();
    }
    if (type_url != kRetryInfo) continue;
    ProtoReader info(value);
    while (info.Next()) {
      if (info.field() != 1 || info.type() != wire::kLen) continue;  // retry_delay: Duration
      int64_t seconds = 0, nanos = 0;
      ProtoReader d(info.bytes());
      while (d.Next()) {
        if (d.field() == 1 && d.type() == wire::kVarint) seconds = static_cast<int64_t>(d.varint());
        if (d.field() == 2 && d.type() == wire::kVarint) nanos = static_cast<int32_t>(d.varint());
      }
      return std::chrono::milliseconds(seconds * 1000 + nanos / 1'000'000);
    }
    return std::chrono::milliseconds(0);
  }
  return std::nullopt;
}

std::string StatusMessage(std::string_view body, Encoding enc) {
  if (enc == Encoding::kJson) return JsonField(body, "message").value_or("");
  ProtoReader r(body);
  while (r.Next())
    if (r.field() == 2 && r.type() == wire::kLen) return std::string(r.bytes());
  return "";
}

}  // namespace ferrite::telemetry
