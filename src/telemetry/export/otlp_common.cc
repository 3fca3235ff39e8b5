#include "telemetry/export/otlp_common.h"

#include <charconv>
#include <cstdio>

#include "telemetry/export/otlp_encoder.h"

namespace ferrite::telemetry {
namespace {

void WriteAnyValue(wire::ProtoWriter& w, uint32_t field, AttrType type, std::string_view str,
                   int64_t i, double d, bool b) {
  size_t m = w.Begin(field);
  switch (type) {
    case AttrType::kString:
      w.Bytes(1, str);
      break;
    case AttrType::kBool:
      w.Bool(2, b);
      break;
    case AttrType::kInt:
      w.Int64(3, i);
      break;
    case AttrType::kDouble:
      w.Double(4, d);
      break;
    case AttrType::kNone:
      break;
  }
  w.End(m);
}

void AppendJsonAnyValue(std::string* out, AttrType type, std::string_view str, int64_t i, double d,
                        bool b) {
  switch (type) {
    case AttrType::kString:
      out->append("{\"stringValue\":");
      AppendJsonString(out, str);
      break;
    case AttrType::kBool:
      out->append(b ? "{\"boolValue\":true" : "{\"boolValue\":false");
      break;
    case AttrType::kInt: {
      char buf[24];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, i);
      out->append("{\"intValue\":\"").append(buf, static_cast<size_t>(end - buf));
      out->push_back('"');
      break;
    }
    case AttrType::kDouble: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      out->append("{\"doubleValue\":").append(buf);
      break;
    }
    case AttrType::kNone:
      out->append("{");
      break;
  }
  out->push_back('}');
}

}  // namespace

void WriteKeyValue(wire::ProtoWriter& w, uint32_t field, const KeyValue& kv) {
  size_t m = w.Begin(field);
  w.Bytes(1, kv.key);
  WriteAnyValue(w, 2, kv.value.type, kv.value.s, kv.value.i, kv.value.d, kv.value.b);
  w.End(m);
}

void WriteKeyValue(wire::ProtoWriter& w, uint32_t field, const AttrView& a) {
  size_t m = w.Begin(field);
  w.Bytes(1, a.key);
  WriteAnyValue(w, 2, a.type, a.s, a.i, a.d, a.b);
  w.End(m);
}

void AppendJsonAttribute(std::string* out, std::string_view key, AttrType type,
                         std::string_view str, int64_t i, double d, bool b) {
  out->append("{\"key\":");
  AppendJsonString(out, key);
  out->append(",\"value\":");
  AppendJsonAnyValue(out, type, str, i, d, b);
  out->push_back('}');
}

void AppendJsonAttributes(std::string* out, const std::vector<KeyValue>& attrs) {
  out->append("\"attributes\":[");
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (i) out->push_back(',');
    const AttrValue& v = attrs[i].value;
    AppendJsonAttribute(out, attrs[i].key, v.type, v.s, v.i, v.d, v.b);
  }
  out->push_back(']');
}

void AppendJsonEnvelope(const ResourceData& resource, const ScopeData& scope,
                        std::string_view signal, std::string_view items, std::string* head,
                        std::string* tail) {
  head->append("{\"resource").append(signal).append("\":[{\"resource\":{");
  AppendJsonAttributes(head, resource.attributes);
  head->append("},\"scope").append(signal).append("\":[{\"scope\":{\"name\":");
  AppendJsonString(head, scope.name);
  head->append(",\"version\":");
  AppendJsonString(head, scope.version);
  head->append("},\"").append(items).append("\":[");
  tail->append("],\"schemaUrl\":");
  AppendJsonString(tail, scope.schema_url);
  tail->append("}],\"schemaUrl\":");
  AppendJsonString(tail, resource.schema_url);
  tail->append("}]}");
}

}  // namespace ferrite::telemetry
