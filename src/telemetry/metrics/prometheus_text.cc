#include "telemetry/metrics/prometheus_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace ferrite::telemetry::metrics {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string Underscores(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == ':';
    if (!ok) c = '_';
  }
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The OTel-to-Prometheus unit word, or "" for annotations ({key}) and unknown units.
std::string_view UnitWord(const MetricDesc& d, bool current) {
  std::string_view unit = d.unit(current);
  if (unit == "By") return "bytes";
  if (unit == "s") return "seconds";
  if (unit == "1" && (d.kind == MetricKind::kGauge || d.kind == MetricKind::kUpDown)) {
    return "ratio";
  }
  return "";
}

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void AppendDouble(std::string* out, double v) {
  if (std::isnan(v)) return out->append("NaN"), void();
  if (std::isinf(v)) return out->append(v > 0 ? "+Inf" : "-Inf"), void();
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
  out->append(s);
  // "1" -> "1.0" so floats read as floats (as the official clients print them).
  if (s.find_first_of(".eE") == std::string_view::npos) out->append(".0");
}

// Nanoseconds as seconds, exactly: 2500 -> "0.0000025", 1000000000 -> "1.0".
void AppendNanosAsSeconds(std::string* out, uint64_t ns) {
  AppendInt(out, static_cast<int64_t>(ns / 1'000'000'000));
  uint64_t frac = ns % 1'000'000'000;
  out->push_back('.');
  if (frac == 0) return out->push_back('0');
  char digits[9];
  for (int i = 8; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  int len = 9;
  while (len > 1 && digits[len - 1] == '0') --len;
  out->append(digits, static_cast<size_t>(len));
}

void AppendEscaped(std::string* out, std::string_view s, bool quote_too) {
  for (char c : s) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && quote_too) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

void AppendHex(std::string* out, const uint8_t* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    out->push_back(kHex[bytes[i] >> 4]);
    out->push_back(kHex[bytes[i] & 15]);
  }
}

struct Family {
  const MetricDesc* desc;
  std::string base;  // sample base name
  std::string label;
  std::string_view unit_word;
};

class Renderer {
 public:
  Renderer(ExpositionFormat format, std::string* out)
      : om_(format == ExpositionFormat::kOpenMetrics), out_(out) {}

  void Render(const Family& f, const MetricData& data) {
    const MetricDesc& d = *f.desc;
    const bool counter = d.kind == MetricKind::kCounter;
    std::string family = f.base;
    if (om_ && counter) family.resize(family.size() - 6);  // drop "_total"
    Header(family, d, f.unit_word);
    if (d.kind == MetricKind::kHistogram) {
      for (const HistogramPoint& p : data.histograms) Histogram(f, p);
      return;
    }
    for (const NumberPoint& p : data.numbers) {
      out_->append(f.base);
      Labels(f.label, p.label, {}, false);
      out_->push_back(' ');
      if (p.is_double) {
        AppendDouble(out_, p.d);
      } else {
        AppendInt(out_, p.i);
      }
      out_->push_back('\n');
    }
  }

  void Finish() {
    if (om_) out_->append("# EOF\n");
  }

 private:
  void Header(const std::string& family, const MetricDesc& d, std::string_view unit_word) {
    out_->append("# HELP ");
    out_->append(family);
    out_->push_back(' ');
    AppendEscaped(out_, d.help, om_);
    out_->push_back('.');
    out_->append("\n# TYPE ");
    out_->append(family);
    switch (d.kind) {
      case MetricKind::kCounter:
        out_->append(" counter\n");
        break;
      case MetricKind::kHistogram:
        out_->append(" histogram\n");
        break;
      default:
        out_->append(" gauge\n");
        break;
    }
    if (om_ && !unit_word.empty() && EndsWith(family, unit_word) &&
        family.size() > unit_word.size() && family[family.size() - unit_word.size() - 1] == '_') {
      out_->append("# UNIT ");
      out_->append(family);
      out_->push_back(' ');
      out_->append(unit_word);
      out_->push_back('\n');
    }
  }

  // {label="value",le="..."}; nothing when both are absent. An empty label value is omitted
  // (Prometheus treats `l=""` as no label).
  void Labels(const std::string& key, const std::string& value, std::string_view le, bool has_le) {
    const bool has_label = !key.empty() && !value.empty();
    if (!has_label && !has_le) return;
    out_->push_back('{');
    if (has_label) {
      out_->append(key);
      out_->append("=\"");
      AppendEscaped(out_, value, true);
      out_->push_back('"');
    }
    if (has_le) {
      if (has_label) out_->push_back(',');
      out_->append("le=\"");
      out_->append(le);
      out_->push_back('"');
    }
    out_->push_back('}');
  }

  void Histogram(const Family& f, const HistogramPoint& p) {
    const HistogramTotals& t = p.totals;
    uint64_t cumulative = 0;
    std::string le;
    for (size_t b = 0; b <= p.bound_count && b < t.counts.size(); ++b) {
      cumulative += t.counts[b];
      le.clear();
      if (b < p.bound_count) {
        AppendNanosAsSeconds(&le, p.bounds_ns[b]);
      } else {
        le = "+Inf";
      }
      out_->append(f.base);
      out_->append("_bucket");
      Labels(f.label, p.label, le, true);
      out_->push_back(' ');
      AppendInt(out_, static_cast<int64_t>(cumulative));
      if (om_ && b < t.exemplars.size() && t.exemplars[b]) {
        const ExemplarValue& e = *t.exemplars[b];
        out_->append(" # {trace_id=\"");
        AppendHex(out_, e.trace_id.bytes.data(), e.trace_id.bytes.size());
        out_->append("\",span_id=\"");
        AppendHex(out_, e.span_id.bytes.data(), e.span_id.bytes.size());
        out_->append("\"} ");
        AppendNanosAsSeconds(out_, e.value_ns);
        out_->push_back(' ');
        AppendNanosAsSeconds(out_, e.time_unix_ns);
      }
      out_->push_back('\n');
    }
    out_->append(f.base);
    out_->append("_sum");
    Labels(f.label, p.label, {}, false);
    out_->push_back(' ');
    AppendNanosAsSeconds(out_, t.sum_ns);
    out_->push_back('\n');
    out_->append(f.base);
    out_->append("_count");
    Labels(f.label, p.label, {}, false);
    out_->push_back(' ');
    AppendInt(out_, static_cast<int64_t>(t.count));
    out_->push_back('\n');
  }

  bool om_;
  std::string* out_;
};

}  // namespace

ExpositionFormat NegotiateFormat(std::string_view accept) {
  double om_q = 0, text_q = 0;
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    size_t semi = range.find(';');
    std::string_view type = Trim(range.substr(0, semi));
    double q = 1.0;
    while (semi != std::string_view::npos) {
      range = range.substr(semi + 1);
      semi = range.find(';');
      std::string_view param = Trim(range.substr(0, semi));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        std::string v(param.substr(2));
        char* end = nullptr;
        double parsed = std::strtod(v.c_str(), &end);
        if (end != v.c_str()) q = parsed;
      }
    }
    if (IEquals(type, "application/openmetrics-text")) {
      om_q = std::max(om_q, q);
    } else if (IEquals(type, "text/plain") || IEquals(type, "*/*") || IEquals(type, "text/*")) {
      text_q = std::max(text_q, q);
    }
  }
  return om_q > 0 && om_q >= text_q ? ExpositionFormat::kOpenMetrics : ExpositionFormat::kText004;
}

std::string_view ContentType(ExpositionFormat format) {
  return format == ExpositionFormat::kOpenMetrics
             ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
             : "text/plain; version=0.0.4; charset=utf-8";
}

std::string PrometheusName(const MetricDesc& d, bool current) {
  std::string name = Underscores(d.name(current));
  if (current) {
    std::string_view unit = UnitWord(d, true);
    if (!unit.empty() && !EndsWith(name, unit)) {
      name.push_back('_');
      name.append(unit);
    }
  }
  if (d.kind == MetricKind::kCounter && !EndsWith(name, "_total")) name.append("_total");
  return name;
}

std::string PrometheusLabelName(std::string_view key) { return Underscores(key); }

void RenderPrometheus(const MetricsSnapshot& snap, ExpositionFormat format, NameScheme scheme,
                      std::string* out) {
  Renderer r(format, out);
  for (const MetricDesc& d : kMetrics) {
    const MetricData& data = snap[d.id];
    if (data.numbers.empty() && data.histograms.empty()) continue;
    std::string label = PrometheusLabelName(d.label);
    std::string seed_name = PrometheusName(d, false);
    std::string current_name = PrometheusName(d, true);
    if (EmitsSeed(scheme)) {
      r.Render({&d, seed_name, label, UnitWord(d, false)}, data);
    }
    if (EmitsCurrent(scheme) && !(EmitsSeed(scheme) && current_name == seed_name)) {
      r.Render({&d, current_name, label, UnitWord(d, true)}, data);
    }
  }
  r.Finish();
}

}  // namespace ferrite::telemetry::metrics
