#include "telemetry/metrics/otlp_metrics.h"

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

std::string OtlpMetricsEncoder::Encode(const MetricsSnapshot& snap) {
  const uint64_t delta_start = last_time_unix_ns_ != 0 ? last_time_unix_ns_ : snap.start_unix_ns;
  std::string out;
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

  std::string points;
  for (const MetricDesc& d : kMetrics) {
    const MetricData& data = snap[d.id];
    if (data.numbers.empty() && data.histograms.empty()) continue;
    const bool delta = IsDelta(d);
    const uint64_t start = delta ? delta_start : snap.start_unix_ns;
    const size_t metric_index = static_cast<size_t>(d.id);

    // The data points, encoded once and reused under each emitted name.
    points.clear();
    ProtoWriter pw(&points);
    if (d.kind == MetricKind::kHistogram) {
      for (const HistogramPoint& p : data.histograms) {
        std::vector<uint64_t> counts = p.totals.counts;
        uint64_t count = p.totals.count;
        uint64_t sum_ns = p.totals.sum_ns;
        if (delta) {
          Baseline& b = baselines_[{metric_index, p.label}];
          if (b.counts.size() == counts.size() && count >= static_cast<uint64_t>(b.value)) {
            for (size_t i = 0; i < counts.size(); ++i)
              counts[i] -= std::min(counts[i], b.counts[i]);
            count -= static_cast<uint64_t>(b.value);
            sum_ns -= std::min(sum_ns, b.sum_ns);
          }
          b.counts = p.totals.counts;
          b.value = static_cast<int64_t>(p.totals.count);
          b.sum_ns = p.totals.sum_ns;
        }
        size_t dp = pw.Begin(f::kDataPoints);
        if (!d.label.empty() && !p.label.empty()) {
          WriteStringAttribute(pw, f::kHistAttributes, d.label, p.label);
        }
        pw.Fixed64(f::kHistStart, start);
        pw.Fixed64(f::kHistTime, snap.time_unix_ns);
        pw.Fixed64(f::kHistCount, count);
        pw.Double(f::kHistSum, Seconds(sum_ns));
        std::string packed;
        for (uint64_t c : counts) AppendFixed64(&packed, c);
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
          if (!e || (delta && e->time_unix_ns <= delta_start)) continue;
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
    } else {
      for (const NumberPoint& p : data.numbers) {
        int64_t iv = p.i;
        if (delta && !p.is_double) {
          Baseline& b = baselines_[{metric_index, p.label}];
          iv = p.i >= b.value ? p.i - b.value : p.i;  // went backwards: a reset
          b.value = p.i;
        }
        size_t dp = pw.Begin(f::kDataPoints);
        if (!d.label.empty() && !p.label.empty()) {
          WriteStringAttribute(pw, f::kNumberAttributes, d.label, p.label);
        }
        if (d.kind != MetricKind::kGauge) pw.Fixed64(f::kNumberStart, start);
        pw.Fixed64(f::kNumberTime, snap.time_unix_ns);
        if (p.is_double) {
          pw.Double(f::kNumberDouble, p.d);
        } else {
          pw.Fixed64(f::kNumberInt, static_cast<uint64_t>(iv));
        }
        pw.End(dp);
      }
    }

    auto emit = [&](bool current) {
      size_t m = w.Begin(f::kScopeMetricsMetrics);
      w.Bytes(f::kMetricName, d.name(current));
      w.BytesIf(f::kMetricDescription, d.help);
      w.BytesIf(f::kMetricUnit, d.unit(current));
      uint32_t type_field = f::kMetricGauge;
      if (d.kind == MetricKind::kCounter || (d.kind == MetricKind::kUpDown && current)) {
        type_field = f::kMetricSum;
      } else if (d.kind == MetricKind::kHistogram) {
        type_field = f::kMetricHistogram;
      }
      size_t body = w.Begin(type_field);
      w.Raw(points);
      if (type_field != f::kMetricGauge) {
        w.Varint(f::kTemporality, delta ? kTemporalityDelta : kTemporalityCumulative);
      }
      if (type_field == f::kMetricSum) w.Bool(f::kMonotonic, d.kind == MetricKind::kCounter);
      w.End(body);
      w.End(m);
    };
    const NameScheme s = options_.scheme;
    if (s == NameScheme::kBoth && SameNames(d)) {
      emit(true);
    } else {
      if (EmitsSeed(s)) emit(false);
      if (EmitsCurrent(s)) emit(true);
    }
  }
  w.End(sm);
  w.End(rm);
  if (options_.temporality != Temporality::kCumulative) last_time_unix_ns_ = snap.time_unix_ns;
  return out;
}

}  // namespace ferrite::telemetry::metrics
