#include "telemetry/export/otlp_encoder.h"

#include <charconv>
#include <vector>

#include "telemetry/export/otlp_common.h"
#include "telemetry/export/proto_wire.h"

namespace ferrite::telemetry {
namespace {

using wire::ProtoReader;
using wire::ProtoWriter;

// ---- protobuf ---------------------------------------------------------------------------------

void AppendSpanProto(const SpanView& s, std::string* out) {
  ProtoWriter w(out);
  w.Bytes(1, IdBytes(s.trace_id));
  w.Bytes(2, IdBytes(s.span_id));
  w.BytesIf(3, s.trace_state);
  if (s.parent_span_id.IsValid()) w.Bytes(4, IdBytes(s.parent_span_id));
  w.Bytes(5, s.name);
  w.VarintIf(6, static_cast<uint64_t>(s.kind));
  w.Fixed64(7, s.start_unix_ns);
  w.Fixed64(8, s.end_unix_ns);
  for (size_t i = 0; i < s.attribute_count; ++i) WriteKeyValue(w, 9, s.attributes[i]);
  w.VarintIf(10, s.dropped_attributes);
  if (s.status != StatusCode::kUnset) {
    size_t m = w.Begin(15);
    if (s.status == StatusCode::kError) w.BytesIf(2, s.status_message);
    w.Varint(3, static_cast<uint64_t>(s.status));
    w.End(m);
  }
  if (s.flags != 0) w.Fixed32(16, s.flags);
}

// ---- JSON -------------------------------------------------------------------------------------

void AppendDecimal(std::string* out, auto v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(end - buf));
}

void AppendSpanJson(const SpanView& s, std::string* out) {
  out->append("{\"traceId\":");
  AppendJsonHexId(out, s.trace_id);
  out->append(",\"spanId\":");
  AppendJsonHexId(out, s.span_id);
  if (!s.trace_state.empty()) {
    out->append(",\"traceState\":");
    AppendJsonString(out, s.trace_state);
  }
  if (s.parent_span_id.IsValid()) {
    out->append(",\"parentSpanId\":");
    AppendJsonHexId(out, s.parent_span_id);
  }
  out->append(",\"name\":");
  AppendJsonString(out, s.name);
  out->append(",\"kind\":");
  AppendDecimal(out, static_cast<int>(s.kind));
  out->append(",\"startTimeUnixNano\":\"");
  AppendDecimal(out, s.start_unix_ns);
  out->append("\",\"endTimeUnixNano\":\"");
  AppendDecimal(out, s.end_unix_ns);
  out->append("\",\"attributes\":[");
  for (size_t i = 0; i < s.attribute_count; ++i) {
    if (i) out->push_back(',');
    const AttrView& a = s.attributes[i];
    AppendJsonAttribute(out, a.key, a.type, a.s, a.i, a.d, a.b);
  }
  out->push_back(']');
  if (s.dropped_attributes) {
    out->append(",\"droppedAttributesCount\":");
    AppendDecimal(out, s.dropped_attributes);
  }
  if (s.status != StatusCode::kUnset) {
    out->append(",\"status\":{");
    if (s.status == StatusCode::kError && !s.status_message.empty()) {
      out->append("\"message\":");
      AppendJsonString(out, s.status_message);
      out->push_back(',');
    }
    out->append("\"code\":");
    AppendDecimal(out, static_cast<int>(s.status));
    out->push_back('}');
  }
  if (s.flags) {
    out->append(",\"flags\":");
    AppendDecimal(out, s.flags);
  }
  out->push_back('}');
}

// A SpanView over a SpanData (its attributes copied into `attrs` as views).
SpanView ViewOf(const SpanData& d, std::vector<AttrView>* attrs) {
  attrs->clear();
  for (const KeyValue& kv : d.attributes)
    attrs->push_back(
        AttrView{kv.key, kv.value.type, kv.value.s, kv.value.i, kv.value.d, kv.value.b});
  SpanView v;
  v.trace_id = d.trace_id;
  v.span_id = d.span_id;
  v.parent_span_id = d.parent_span_id;
  v.trace_state = d.trace_state;
  v.name = d.name;
  v.kind = d.kind;
  v.start_unix_ns = d.start_unix_ns;
  v.end_unix_ns = d.end_unix_ns;
  v.attributes = attrs->data();
  v.attribute_count = attrs->size();
  v.dropped_attributes = d.dropped_attributes;
  v.status = d.status;
  v.status_message = d.status_message;
  v.flags = d.flags;
  return v;
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

void AppendSpan(const SpanView& span, Encoding enc, std::string* out) {
  if (enc == Encoding::kProtobuf) {
    AppendSpanProto(span, out);
  } else {
    AppendSpanJson(span, out);
  }
}

std::string EncodeSpan(const SpanData& span, Encoding enc) {
  std::vector<AttrView> attrs;
  std::string out;
  AppendSpan(ViewOf(span, &attrs), enc, &out);
  return out;
}

TraceRequestEncoder::TraceRequestEncoder(const ResourceData& resource, const ScopeData& scope,
                                         Encoding enc)
    : enc_(enc) {
  if (enc == Encoding::kProtobuf) {
    ProtoWriter w(&head_);
    size_t r = w.Begin(1);  // ResourceSpans.resource
    for (const KeyValue& kv : resource.attributes) WriteKeyValue(w, 1, kv);
    w.End(r);
    ProtoWriter ws(&scope_);
    size_t sc = ws.Begin(1);  // ScopeSpans.scope
    ws.BytesIf(1, scope.name);
    ws.BytesIf(2, scope.version);
    ws.End(sc);
    ProtoWriter(&scope_tail_).BytesIf(3, scope.schema_url);
    ProtoWriter(&tail_).BytesIf(3, resource.schema_url);
    return;
  }
  AppendJsonEnvelope(resource, scope, "Spans", "spans", &head_, &tail_);
}

void TraceRequestEncoder::AppendSpan(const SpanView& span, std::string* joined) const {
  if (enc_ == Encoding::kProtobuf) {
    ProtoWriter w(joined);
    size_t m = w.Begin(2, 2);  // ScopeSpans.spans; a span is usually 128 bytes to 16 KiB
    AppendSpanProto(span, joined);
    w.End(m, 2);
  } else {
    if (!joined->empty()) joined->push_back(',');
    AppendSpanJson(span, joined);
  }
}

void TraceRequestEncoder::Finish(std::string_view joined, std::string* out) const {
  out->clear();
  if (enc_ == Encoding::kJson) {
    out->reserve(head_.size() + joined.size() + tail_.size());
    out->append(head_).append(joined).append(tail_);
    return;
  }
  const size_t scope_spans = scope_.size() + joined.size() + scope_tail_.size();
  const size_t resource_spans =
      head_.size() + 1 + wire::VarintSize(scope_spans) + scope_spans + tail_.size();
  out->reserve(resource_spans + 16);
  ProtoWriter w(out);
  w.Tag(1, wire::kLen);  // ExportTraceServiceRequest.resource_spans
  wire::AppendVarint(out, resource_spans);
  out->append(head_);
  w.Tag(2, wire::kLen);  // ResourceSpans.scope_spans
  wire::AppendVarint(out, scope_spans);
  out->append(scope_).append(joined).append(scope_tail_);
  out->append(tail_);
}

std::string EncodeTraceRequest(const ResourceData& resource, const ScopeData& scope,
                               std::span<const std::string> encoded_spans, Encoding enc) {
  std::string joined;
  for (const std::string& s : encoded_spans) {
    if (enc == Encoding::kProtobuf) {
      ProtoWriter(&joined).Bytes(2, s);
    } else {
      if (!joined.empty()) joined.push_back(',');
      joined.append(s);
    }
  }
  std::string out;
  TraceRequestEncoder(resource, scope, enc).Finish(joined, &out);
  return out;
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
