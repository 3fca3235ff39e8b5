#pragma once
// The pieces of the OTLP encoding that every signal shares: attributes (KeyValue / AnyValue),
// ids, and the OTLP/JSON envelope of one resource and one scope. The trace and log encoders
// (otlp_encoder.h, otlp_log_encoder.h) build their requests from these, so both signals write an
// attribute or a resource byte for byte the same way.
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/api/trace_context.h"
#include "telemetry/export/proto_wire.h"
#include "telemetry/export/span_data.h"

namespace ferrite::telemetry {

// ---- protobuf ---------------------------------------------------------------------------------

// A KeyValue message as field `field` of the message `w` is writing.
void WriteKeyValue(wire::ProtoWriter& w, uint32_t field, const KeyValue& kv);
void WriteKeyValue(wire::ProtoWriter& w, uint32_t field, const AttrView& a);

// A trace or span id as protobuf bytes.
inline std::string_view IdBytes(const auto& id) {
  return {reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size()};
}

// ---- JSON -------------------------------------------------------------------------------------

// A trace or span id as a quoted lowercase hex string, as OTLP/JSON writes ids.
inline void AppendJsonHexId(std::string* out, const auto& id) {
  char buf[32];
  HexEncode(id.bytes.data(), id.bytes.size(), buf);
  out->push_back('"');
  out->append(buf, id.bytes.size() * 2);
  out->push_back('"');
}

// One {"key":..,"value":{..}} object.
void AppendJsonAttribute(std::string* out, std::string_view key, AttrType type,
                         std::string_view str, int64_t i, double d, bool b);
// "attributes":[...], without braces around it.
void AppendJsonAttributes(std::string* out, const std::vector<KeyValue>& attrs);

// The OTLP/JSON request around the items of one resource and one scope: `head` receives
// everything up to the first item of `items` ("spans", "logRecords") and `tail` everything after
// the last, for `signal` "Spans" (resourceSpans/scopeSpans) or "Logs" (resourceLogs/scopeLogs).
void AppendJsonEnvelope(const ResourceData& resource, const ScopeData& scope,
                        std::string_view signal, std::string_view items, std::string* head,
                        std::string* tail);

}  // namespace ferrite::telemetry
