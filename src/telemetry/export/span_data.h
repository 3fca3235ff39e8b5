#pragma once
// SpanData: an exporter-side span, built off the command path from the api's records, and the
// resource / scope it is exported under. Strings here are valid UTF-8 (the span builder escapes
// binary Redis data before it gets here).
//
// Thread safety: value types.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/api/records.h"
#include "telemetry/api/trace_context.h"

namespace ferrite::telemetry {

struct AttrValue {
  AttrType type = AttrType::kNone;
  std::string s;
  int64_t i = 0;
  double d = 0;
  bool b = false;
};

struct KeyValue {
  std::string key;
  AttrValue value;
  static KeyValue Str(std::string_view k, std::string_view v) {
    KeyValue kv{std::string(k), {}};
    kv.value.type = AttrType::kString;
    kv.value.s.assign(v);
    return kv;
  }
  static KeyValue Int(std::string_view k, int64_t v) {
    KeyValue kv{std::string(k), {}};
    kv.value.type = AttrType::kInt;
    kv.value.i = v;
    return kv;
  }
  static KeyValue Bool(std::string_view k, bool v) {
    KeyValue kv{std::string(k), {}};
    kv.value.type = AttrType::kBool;
    kv.value.b = v;
    return kv;
  }
  static KeyValue Double(std::string_view k, double v) {
    KeyValue kv{std::string(k), {}};
    kv.value.type = AttrType::kDouble;
    kv.value.d = v;
    return kv;
  }
};

// OTLP enums.
enum class SpanKind : uint8_t { kUnspecified = 0, kInternal = 1, kServer = 2, kClient = 3 };
enum class StatusCode : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

struct SpanData {
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;  // zero = root
  std::string trace_state;
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  uint64_t start_unix_ns = 0;
  uint64_t end_unix_ns = 0;
  std::vector<KeyValue> attributes;
  uint32_t dropped_attributes = 0;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;
  uint32_t flags = 0;  // OTLP Span.flags: W3C flags | 0x100 | (remote parent ? 0x200 : 0)
};

// Non-owning views of a span, for encoding without building a SpanData: the span builder
// fills them from a record (strings point into the record or the builder's scratch space) and
// the encoder appends them to a request buffer. Valid only while what they point at lives.
struct AttrView {
  std::string_view key;
  AttrType type = AttrType::kNone;
  std::string_view s;
  int64_t i = 0;
  double d = 0;
  bool b = false;
};

struct SpanView {
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;  // zero = root
  std::string_view trace_state;
  std::string_view name;
  SpanKind kind = SpanKind::kInternal;
  uint64_t start_unix_ns = 0;
  uint64_t end_unix_ns = 0;
  const AttrView* attributes = nullptr;
  size_t attribute_count = 0;
  uint32_t dropped_attributes = 0;
  StatusCode status = StatusCode::kUnset;
  std::string_view status_message;
  uint32_t flags = 0;
};

struct ResourceData {
  std::vector<KeyValue> attributes;
  std::string schema_url;
};

struct ScopeData {
  std::string name;
  std::string version;
  std::string schema_url;
};

}  // namespace ferrite::telemetry
