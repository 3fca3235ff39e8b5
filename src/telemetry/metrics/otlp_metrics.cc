#include "telemetry/metrics/otlp_metrics.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "telemetry/export/proto_wire.h"

namespace ferrite::telemetry::metrics {

namespace {

using wire::ProtoWriter;

// opentelemetry-proto field numbers (see /work/shared/reference/otel.md §1.2).
namespace f {
constexpr uint32_t kRequestResourceMetrics = 1;
constexpr uint32_t kResourceMetricsResource = 1, kResourceMetricsScope = 2;
constexpr uint32_t kResourceAttributes = 1;
constexpr uint32_t kScopeMetricsScope = 1, kScopeMetricsMetrics = 2;
constexpr uint32_t kScopeName = 1, kScopeVersion = 2;
constexpr uint32_t kMetricName = 1, kMetricDescription = 2, kMetricUnit = 3;
constexpr uint32_t kMetricGauge = 5, kMetricSum = 7, kMetricHistogram = 9;
constexpr uint32_t kDataPoints = 1, kTemporality = 2, kMonotonic = 3;
constexpr uint32_t kNumberAttributes = 7, kNumberStart = 2, kNumberTime = 3, kNumberDouble = 4,
                   kNumberInt = 6;
constexpr uint32_t kHistAttributes = 9, kHistStart = 2, kHistTime = 3, kHistCount = 4, kHistSum = 5,
                   kHistBuckets = 6, kHistBounds = 7, kHistExemplars = 8;
constexpr uint32_t kExemplarTime = 2, kExemplarDouble = 3, kExemplarSpanId = 4,
                   kExemplarTraceId = 5;
constexpr uint32_t kKeyValueKey = 1, kKeyValueValue = 2;
constexpr uint32_t kAnyString = 1, kAnyBool = 2, kAnyInt = 3, kAnyDouble = 4;
}  // namespace f

constexpr uint64_t kTemporalityDelta = 1, kTemporalityCumulative = 2;

void WriteAttribute(ProtoWriter& w, uint32_t field, const KeyValue& kv) {
  size_t kv_start = w.Begin(field);
  w.Bytes(f::kKeyValueKey, kv.key);
  size_t any = w.Begin(f::kKeyValueValue);
  switch (kv.value.type) {
    case AttrType::kString:
      w.Bytes(f::kAnyString, kv.value.s);
      break;
    case AttrType::kBool:
      w.Bool(f::kAnyBool, kv.value.b);
      break;
    case AttrType::kInt:
      w.Int64(f::kAnyInt, kv.value.i);
      break;
    case AttrType::kDouble:
      w.Double(f::kAnyDouble, kv.value.d);
      break;
    case AttrType::kNone:
      break;
  }
  w.End(any);
  w.End(kv_start);
}

void WriteStringAttribute(ProtoWriter& w, uint32_t field, std::string_view key,
                          std::string_view value) {
  WriteAttribute(w, field, KeyValue::Str(key, value));
}

double Seconds(uint64_t ns) { return static_cast<double>(ns) / 1e9; }

void AppendFixed64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}

}  // namespace

std::optional<Temporality> ParseTemporalityPreference(std::string_view v) {
  std::string lower(v);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "cumulative") return Temporality::kCumulative;
  if (lower == "delta") return Temporality::kDelta;
  if (lower == "lowmemory") return Temporality::kLowMemory;
  return std::nullopt;
}

OtlpMetricsEncoder::OtlpMetricsEncoder(Options options) : options_(std::move(options)) {
  if (options_.scope.name.empty()) options_.scope.name = "ferrite";
}

bool OtlpMetricsEncoder::IsDelta(const MetricDesc& d) const {
  switch (options_.temporality) {
    case Temporality::kCumulative:
      return false;
    case Temporality::kDelta:
      return d.kind == MetricKind::kCounter || d.kind == MetricKind::kHistogram;
    case Temporality::kLowMemory:
      return d.kind == MetricKind::kHistogram;
  }
  return false;
}

std::vector<OtlpMetricsEncoder::MetricOut> OtlpMetricsEncoder::Prepare(
    const MetricsSnapshot& snap) {
  const uint64_t delta_start = last_time_unix_ns_ != 0 ? last_time_unix_ns_ : snap.start_unix_ns;
  std::vector<MetricOut> out;
  for (const MetricDesc& d : kMetrics) {
    const MetricData& data = snap[d.id];
    if (data.numbers.empty() && data.histograms.empty()) continue;
    MetricOut& m = out.emplace_back();
    m.desc = &d;
    m.delta = IsDelta(d);
    const uint64_t start = m.delta ? delta_start : snap.start_unix_ns;
    const size_t metric_index = static_cast<size_t>(d.id);
    for (const HistogramPoint& p : data.histograms) {
      HistogramOut h{&p, start, p.totals.counts, p.totals.count, p.totals.sum_ns, 0};
      if (m.delta) {
        Baseline& b = baselines_[{metric_index, p.label}];
        if (b.counts.size() == h.counts.size() && h.count >= static_cast<uint64_t>(b.value)) {
          for (size_t i = 0; i < h.counts.size(); ++i) {
            h.counts[i] -= std::min(h.counts[i], b.counts[i]);
          }
          h.count -= static_cast<uint64_t>(b.value);
          h.sum_ns -= std::min(h.sum_ns, b.sum_ns);
        }
        b.counts = p.totals.counts;
        b.value = static_cast<int64_t>(p.totals.count);
        b.sum_ns = p.totals.sum_ns;
        h.exemplars_after = delta_start;
      }
      m.histograms.push_back(std::move(h));
    }
    for (const NumberPoint& p : data.numbers) {
      NumberOut n{&p.label, start, p.is_double, p.i, p.d};
      if (m.delta && !p.is_double) {
        Baseline& b = baselines_[{metric_index, p.label}];
        n.i = p.i >= b.value ? p.i - b.value : p.i;  // went backwards: a reset
        b.value = p.i;
      }
      m.numbers.push_back(n);
    }
  }
  if (options_.temporality != Temporality::kCumulative) last_time_unix_ns_ = snap.time_unix_ns;
  return out;
}

namespace {

// The OTLP type a metric is sent as under one of its names.
uint32_t TypeField(const MetricDesc& d, bool current) {
  if (d.kind == MetricKind::kCounter || (d.kind == MetricKind::kUpDown && current)) {
    return f::kMetricSum;
  }
  if (d.kind == MetricKind::kHistogram) return f::kMetricHistogram;
  return f::kMetricGauge;
}

// Calls emit(current) for each name the scheme sends.
template <typename Fn>
void ForEachName(const MetricDesc& d, NameScheme s, Fn emit) {
  if (s == NameScheme::kBoth && SameNames(d)) return emit(true);
  if (EmitsSeed(s)) emit(false);
  if (EmitsCurrent(s)) emit(true);
}

void EncodeProtoPoints(const OtlpMetricsEncoder::MetricOut& m, uint64_t time, std::string* out) {
  ProtoWriter pw(out);
  const MetricDesc& d = *m.desc;
  for (const auto& h : m.histograms) {
    const HistogramPoint& p = *h.point;
    size_t dp = pw.Begin(f::kDataPoints);
    if (!d.label.empty() && !p.label.empty()) {
      WriteStringAttribute(pw, f::kHistAttributes, d.label, p.label);
    }
    pw.Fixed64(f::kHistStart, h.start);
    pw.Fixed64(f::kHistTime, time);
    pw.Fixed64(f::kHistCount, h.count);
    pw.Double(f::kHistSum, Seconds(h.sum_ns));
    std::string packed;
    for (uint64_t c : h.counts) AppendFixed64(&packed, c);
    pw.Bytes(f::kHistBuckets, packed);
    packed.clear();
    for (size_t i = 0; i < p.bound_count; ++i) {
      double bound = Seconds(p.bounds_ns[i]);
      uint64_t bits;
      std::memcpy(&bits, &bound, 8);
      AppendFixed64(&packed, bits);
    }
    pw.Bytes(f::kHistBounds, packed);
    for (const auto& e : p.totals.exemplars) {
      if (!e || e->time_unix_ns <= h.exemplars_after) continue;
      size_t ex = pw.Begin(f::kHistExemplars);
      pw.Fixed64(f::kExemplarTime, e->time_unix_ns);
      pw.Double(f::kExemplarDouble, Seconds(e->value_ns));
      pw.Bytes(f::kExemplarSpanId,
               std::string_view(reinterpret_cast<const char*>(e->span_id.bytes.data()), 8));
      pw.Bytes(f::kExemplarTraceId,
               std::string_view(reinterpret_cast<const char*>(e->trace_id.bytes.data()), 16));
      pw.End(ex);
    }
    pw.End(dp);
  }
  for (const auto& n : m.numbers) {
    size_t dp = pw.Begin(f::kDataPoints);
    if (!d.label.empty() && !n.label->empty()) {
      WriteStringAttribute(pw, f::kNumberAttributes, d.label, *n.label);
    }
    if (d.kind != MetricKind::kGauge) pw.Fixed64(f::kNumberStart, n.start);
    pw.Fixed64(f::kNumberTime, time);
    if (n.is_double) {
      pw.Double(f::kNumberDouble, n.d);
    } else {
      pw.Fixed64(f::kNumberInt, static_cast<uint64_t>(n.i));
    }
    pw.End(dp);
  }
}

// --- OTLP/JSON ---------------------------------------------------------------------------

void JsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

void JsonU64(std::string* out, uint64_t v) {  // 64-bit integers are strings in OTLP/JSON
  out->push_back('"');
  out->append(std::to_string(v));
  out->push_back('"');
}

void JsonDouble(std::string* out, double v) {
  if (std::isnan(v)) return out->append("\"NaN\""), void();
  if (std::isinf(v)) return out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\""), void();
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void JsonHex(std::string* out, const uint8_t* b, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (size_t i = 0; i < n; ++i) {
    out->push_back(kHex[b[i] >> 4]);
    out->push_back(kHex[b[i] & 15]);
  }
  out->push_back('"');
}

void JsonAttribute(std::string* out, const KeyValue& kv) {
  out->append("{\"key\":");
  JsonString(out, kv.key);
  out->append(",\"value\":{");
  switch (kv.value.type) {
    case AttrType::kString:
      out->append("\"stringValue\":"), JsonString(out, kv.value.s);
      break;
    case AttrType::kBool:
      out->append(kv.value.b ? "\"boolValue\":true" : "\"boolValue\":false");
      break;
    case AttrType::kInt:
      out->append("\"intValue\":"), JsonU64(out, static_cast<uint64_t>(kv.value.i));
      break;
    case AttrType::kDouble:
      out->append("\"doubleValue\":"), JsonDouble(out, kv.value.d);
      break;
    case AttrType::kNone:
      break;
  }
  out->append("}}");
}

void JsonLabel(std::string* out, std::string_view key, const std::string& value) {
  if (key.empty() || value.empty()) return;
  out->append("\"attributes\":[");
  JsonAttribute(out, KeyValue::Str(key, value));
  out->append("],");
}

void EncodeJsonPoints(const OtlpMetricsEncoder::MetricOut& m, uint64_t time, std::string* out) {
  const MetricDesc& d = *m.desc;
  bool first = true;
  auto sep = [&] {
    if (!first) out->push_back(',');
    first = false;
  };
  for (const auto& h : m.histograms) {
    const HistogramPoint& p = *h.point;
    sep();
    out->push_back('{');
    JsonLabel(out, d.label, p.label);
    out->append("\"startTimeUnixNano\":"), JsonU64(out, h.start);
    out->append(",\"timeUnixNano\":"), JsonU64(out, time);
    out->append(",\"count\":"), JsonU64(out, h.count);
    out->append(",\"sum\":"), JsonDouble(out, Seconds(h.sum_ns));
    out->append(",\"bucketCounts\":[");
    for (size_t i = 0; i < h.counts.size(); ++i) {
      if (i) out->push_back(',');
      JsonU64(out, h.counts[i]);
    }
    out->append("],\"explicitBounds\":[");
    for (size_t i = 0; i < p.bound_count; ++i) {
      if (i) out->push_back(',');
      JsonDouble(out, Seconds(p.bounds_ns[i]));
    }
    out->append("],\"exemplars\":[");
    bool first_ex = true;
    for (const auto& e : p.totals.exemplars) {
      if (!e || e->time_unix_ns <= h.exemplars_after) continue;
      if (!first_ex) out->push_back(',');
      first_ex = false;
      out->append("{\"timeUnixNano\":"), JsonU64(out, e->time_unix_ns);
      out->append(",\"asDouble\":"), JsonDouble(out, Seconds(e->value_ns));
      out->append(",\"spanId\":"), JsonHex(out, e->span_id.bytes.data(), 8);
      out->append(",\"traceId\":"), JsonHex(out, e->trace_id.bytes.data(), 16);
      out->push_back('}');
    }
    out->append("]}");
  }
  for (const auto& n : m.numbers) {
    sep();
    out->push_back('{');
    JsonLabel(out, d.label, *n.label);
    if (d.kind != MetricKind::kGauge)
      out->append("\"startTimeUnixNano\":"), JsonU64(out, n.start), out->push_back(',');
    out->append("\"timeUnixNano\":"), JsonU64(out, time);
    if (n.is_double) {
      out->append(",\"asDouble\":"), JsonDouble(out, n.d);
    } else {
      out->append(",\"asInt\":"), JsonU64(out, static_cast<uint64_t>(n.i));
    }
    out->push_back('}');
  }
}

}  // namespace

std::string OtlpMetricsEncoder::Encode(const MetricsSnapshot& snap, Encoding encoding) {
  std::vector<MetricOut> metrics = Prepare(snap);
  std::string out;
  std::string points;
  if (encoding == Encoding::kJson) {
    out.append("{\"resourceMetrics\":[{\"resource\":{\"attributes\":[");
    for (size_t i = 0; i < options_.resource.attributes.size(); ++i) {
      if (i) out.push_back(',');
      JsonAttribute(&out, options_.resource.attributes[i]);
    }
    out.append("]},\"scopeMetrics\":[{\"scope\":{\"name\":");
    JsonString(&out, options_.scope.name);
    if (!options_.scope.version.empty())
      out.append(",\"version\":"), JsonString(&out, options_.scope.version);
    out.append("},\"metrics\":[");
    bool first = true;
    for (const MetricOut& m : metrics) {
      points.clear();
      EncodeJsonPoints(m, snap.time_unix_ns, &points);
      ForEachName(*m.desc, options_.scheme, [&](bool current) {
        const MetricDesc& d = *m.desc;
        if (!first) out.push_back(',');
        first = false;
        out.append("{\"name\":"), JsonString(&out, d.name(current));
        out.append(",\"description\":"), JsonString(&out, d.help);
        out.append(",\"unit\":"), JsonString(&out, d.unit(current));
        uint32_t type = TypeField(d, current);
        out.append(type == f::kMetricSum         ? ",\"sum\":{"
                   : type == f::kMetricHistogram ? ",\"histogram\":{"
                                                 : ",\"gauge\":{");
        out.append("\"dataPoints\":["), out.append(points), out.push_back(']');
        if (type != f::kMetricGauge) {
          out.append(m.delta ? ",\"aggregationTemporality\":1" : ",\"aggregationTemporality\":2");
        }
        if (type == f::kMetricSum) {
          out.append(d.kind == MetricKind::kCounter ? ",\"isMonotonic\":true"
                                                    : ",\"isMonotonic\":false");
        }
        out.append("}}");
      });
    }
    out.append("]}]}]}");
    return out;
  }

  ProtoWriter w(&out);
  size_t rm = w.Begin(f::kRequestResourceMetrics);
  size_t res = w.Begin(f::kResourceMetricsResource);
  for (const KeyValue& kv : options_.resource.attributes) {
    WriteAttribute(w, f::kResourceAttributes, kv);
  }
  w.End(res);
  size_t sm = w.Begin(f::kResourceMetricsScope);
  size_t scope = w.Begin(f::kScopeMetricsScope);
  w.BytesIf(f::kScopeName, options_.scope.name);
  w.BytesIf(f::kScopeVersion, options_.scope.version);
  w.End(scope);
  for (const MetricOut& m : metrics) {
    points.clear();
    EncodeProtoPoints(m, snap.time_unix_ns, &points);
    ForEachName(*m.desc, options_.scheme, [&](bool current) {
      const MetricDesc& d = *m.desc;
      size_t mm = w.Begin(f::kScopeMetricsMetrics);
      w.Bytes(f::kMetricName, d.name(current));
      w.BytesIf(f::kMetricDescription, d.help);
      w.BytesIf(f::kMetricUnit, d.unit(current));
      uint32_t type = TypeField(d, current);
      size_t body = w.Begin(type);
      w.Raw(points);
      if (type != f::kMetricGauge) {
        w.Varint(f::kTemporality, m.delta ? kTemporalityDelta : kTemporalityCumulative);
      }
      if (type == f::kMetricSum) w.Bool(f::kMonotonic, d.kind == MetricKind::kCounter);
      w.End(body);
      w.End(mm);
    });
  }
  w.End(sm);
  w.End(rm);
  return out;
}

}  // namespace ferrite::telemetry::metrics
