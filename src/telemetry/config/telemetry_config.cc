#include "telemetry/config/telemetry_config.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "base/string_util.h"

namespace ferrite::telemetry {
namespace {

constexpr std::string_view kFile = "file";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<SpanDetail> ParseDetail(std::string_view v) {
  std::string l = AsciiLower(v);
  if (l == "full") return SpanDetail::kFull;
  if (l == "command") return SpanDetail::kCommand;
  return std::nullopt;
}

std::optional<StatementMode> ParseStatement(std::string_view v) {
  std::string l = AsciiLower(v);
  if (l == "sanitized" || l == "sanitised") return StatementMode::kSanitized;
  if (l == "full") return StatementMode::kFull;
  if (l == "keys_redacted" || l == "keys-redacted" || l == "redacted")
    return StatementMode::kKeysRedacted;
  if (l == "off") return StatementMode::kOff;
  return std::nullopt;
}

std::optional<Compression> ParseCompression(std::string_view v) {
  std::string l = AsciiLower(v);
  if (l == "none") return Compression::kNone;
  if (l == "gzip") return Compression::kGzip;
  return std::nullopt;
}

std::string_view SemconvName(semconv::NameScheme s) {
  return s == semconv::NameScheme::kOld   ? ""
         : s == semconv::NameScheme::kNew ? "database"
                                          : "database/dup";
}

// ---- [telemetry] table ----------------------------------------------------------------------

class TableReader {
 public:
  TableReader(const toml::table& t, Provenance* prov) : t_(t), prov_(prov) {}

  Status Error(std::string_view key, std::string_view what) {
    return Status::InvalidArgument("telemetry." + std::string(key) + ": " + std::string(what));
  }
  void Mark(std::string_view key) {
    if (prov_) (*prov_)["telemetry." + std::string(key)] = std::string(kFile);
  }

  Status Bool(std::string_view key, const toml::node& n, bool* out) {
    auto v = n.value_exact<bool>();
    if (!v) return Error(key, "expected a boolean");
    *out = *v;
    Mark(key);
    return Status::Ok();
  }
  Status Int(std::string_view key, const toml::node& n, int64_t min, int64_t* out) {
    auto v = n.value_exact<int64_t>();
    if (!v) return Error(key, "expected an integer");
    if (*v < min) return Error(key, "must be >= " + std::to_string(min));
    *out = *v;
    Mark(key);
    return Status::Ok();
  }
  Status Ratio(std::string_view key, const toml::node& n, double* out) {
    std::optional<double> v;
    if (n.is_floating_point()) v = n.value_exact<double>();
    if (n.is_integer()) v = static_cast<double>(*n.value_exact<int64_t>());
    if (!v) return Error(key, "expected a number");
    if (!(*v >= 0.0 && *v <= 1.0)) return Error(key, "must be between 0.0 and 1.0");
    *out = *v;
    Mark(key);
    return Status::Ok();
  }
  Status String(std::string_view key, const toml::node& n, std::string* out) {
    auto v = n.value_exact<std::string>();
    if (!v) return Error(key, "expected a string");
    *out = std::move(*v);
    Mark(key);
    return Status::Ok();
  }
  template <typename T, typename F>
  Status Enum(std::string_view key, const toml::node& n, F parse, std::string_view allowed,
              T* out) {
    std::string s;
    if (Status st = String(key, n, &s); !st.ok()) return st;
    std::optional<T> v = parse(s);
    if (!v)
      return Error(key, "invalid value \"" + s + "\" (expected " + std::string(allowed) + ")");
    *out = *v;
    return Status::Ok();
  }
  Status StringTable(std::string_view key, const toml::node& n, bool expand,
                     std::vector<std::pair<std::string, std::string>>* out) {
    const toml::table* sub = n.as_table();
    if (sub == nullptr) return Error(key, "expected a table");
    out->clear();
    for (auto&& [k, v] : *sub) {
      std::string name(k.str());
      auto s = v.value_exact<std::string>();
      if (!s) return Error(std::string(key) + "." + name, "expected a string");
      std::string value =
          expand ? ExpandVariables(*s, [](const char* var) { return std::getenv(var); }) : *s;
      out->emplace_back(name, std::move(value));
      if (prov_) (*prov_)["telemetry." + std::string(key) + "." + name] = std::string(kFile);
    }
    return Status::Ok();
  }

 private:
  const toml::table& t_;
  Provenance* prov_;
};

// ---- environment ----------------------------------------------------------------------------

class EnvReader {
 public:
  EnvReader(TelemetryConfig* cfg, Provenance* prov,
            const std::function<const char*(const char*)>& getenv)
      : cfg_(cfg), prov_(prov), getenv_(getenv) {}

  // The value of the first set (non-empty) variable among `names`, with its name.
  std::optional<std::pair<std::string, std::string>> Get(std::initializer_list<const char*> names) {
    for (const char* n : names) {
      const char* v = getenv_(n);
      if (v != nullptr && *v != '\0') return std::make_pair(std::string(n), std::string(v));
    }
    return std::nullopt;
  }
  void Mark(std::string_view key, const std::string& var) {
    if (prov_) (*prov_)["telemetry." + std::string(key)] = "env:" + var;
  }
  void Warn(const std::string& var, const std::string& value, std::string_view why) {
    cfg_->warnings.push_back("ignoring " + var + "=\"" + value + "\": " + std::string(why));
  }
  // Integer milliseconds / counts; min is inclusive.
  void Int(std::initializer_list<const char*> names, std::string_view key, int64_t min,
           int64_t* out) {
    auto kv = Get(names);
    if (!kv) return;
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(kv->second.c_str(), &end, 10);
    if (errno != 0 || end == kv->second.c_str() || *end != '\0' || v < min || v > INT32_MAX) {
      Warn(kv->first, kv->second, "not a valid integer >= " + std::to_string(min));
      return;
    }
    *out = v;
    Mark(key, kv->first);
  }
  void Bool(std::initializer_list<const char*> names, std::string_view key, bool* out) {
    auto kv = Get(names);
    if (!kv) return;
    std::string l = AsciiLower(kv->second);
    if (l != "true" && l != "false") Warn(kv->first, kv->second, "treated as false");
    *out = l == "true";
    Mark(key, kv->first);
  }
  void String(std::initializer_list<const char*> names, std::string_view key, std::string* out) {
    auto kv = Get(names);
    if (!kv) return;
    *out = kv->second;
    Mark(key, kv->first);
  }

  TelemetryConfig* cfg_;
  Provenance* prov_;
  const std::function<const char*(const char*)>& getenv_;
};

void MergePairs(std::vector<std::pair<std::string, std::string>>* into,
                const std::vector<std::pair<std::string, std::string>>& from, bool fold_case) {
  for (const auto& [k, v] : from) {
    bool replaced = false;
    for (auto& [ek, ev] : *into) {
      if (fold_case ? AsciiLower(ek) == AsciiLower(k) : ek == k) {
        ek = k, ev = v, replaced = true;
      }
    }
    if (!replaced) into->emplace_back(k, v);
  }
}

std::string TomlDouble(double d) {
  std::ostringstream os;
  os.precision(17);
  os << d;
  std::string s = os.str();
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

std::string_view ProtocolName(OtlpProtocol p) {
  switch (p) {
    case OtlpProtocol::kGrpc:
      return "grpc";
    case OtlpProtocol::kHttpProtobuf:
      return "http/protobuf";
    case OtlpProtocol::kHttpJson:
      return "http/json";
  }
  return "grpc";
}

std::optional<OtlpProtocol> ParseProtocol(std::string_view v) {
  std::string l = AsciiLower(Trim(v));
  if (l == "grpc") return OtlpProtocol::kGrpc;
  if (l == "http" || l == "http/protobuf") return OtlpProtocol::kHttpProtobuf;
  if (l == "http/json") return OtlpProtocol::kHttpJson;
  return std::nullopt;
}

std::string ExpandVariables(std::string_view v,
                            const std::function<const char*(const char*)>& getenv) {
  std::string out;
  for (size_t i = 0; i < v.size();) {
    if (v[i] == '$' && i + 1 < v.size() && v[i + 1] == '{') {
      size_t close = v.find('}', i + 2);
      if (close != std::string_view::npos) {
        std::string name(v.substr(i + 2, close - i - 2));
        if (const char* val = getenv(name.c_str())) out += val;
        i = close + 1;
        continue;
      }
    }
    out += v[i++];
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseKeyValueList(
    std::string_view v) {
  auto decode = [](std::string_view s) -> std::optional<std::string> {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '%') {
        out += s[i];
        continue;
      }
      auto hex = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi << 4 | lo);
      i += 2;
    }
    return out;
  };
  std::vector<std::pair<std::string, std::string>> out;
  while (!v.empty()) {
    size_t comma = v.find(',');
    std::string_view item = Trim(v.substr(0, comma));
    if (!item.empty()) {
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) return std::nullopt;
      std::string_view k = Trim(item.substr(0, eq)), val = Trim(item.substr(eq + 1));
      if (k.empty()) return std::nullopt;
      auto dk = decode(k), dv = decode(val);
      if (!dk || !dv) return std::nullopt;
      out.emplace_back(std::move(*dk), std::move(*dv));
    }
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return out;
}

Status ParseTelemetryTable(const toml::table& t, TelemetryConfig* out, Provenance* prov) {
  TableReader r(t, prov);
  TelemetryConfig& c = *out;
  for (auto&& [k, node] : t) {
    std::string_view key = k.str();
    Status st;
    if (key == "enabled") {
      st = r.Bool(key, node, &c.enabled);
    } else if (key == "endpoint") {
      st = r.String(key, node, &c.endpoint);
    } else if (key == "traces_endpoint") {
      st = r.String(key, node, &c.traces_endpoint);
    } else if (key == "logs_endpoint") {
      st = r.String(key, node, &c.logs_endpoint);
    } else if (key == "logs_batch_size") {
      st = r.Int(key, node, 1, &c.logs_batch_size);
    } else if (key == "logs_batch_timeout_ms") {
      st = r.Int(key, node, 1, &c.logs_batch_timeout_ms);
    } else if (key == "logs_max_queue_size") {
      st = r.Int(key, node, 1, &c.logs_max_queue_size);
    } else if (key == "logs_export_timeout_ms") {
      st = r.Int(key, node, 0, &c.logs_export_timeout_ms);
    } else if (key == "protocol") {
      st = r.Enum(key, node, ParseProtocol, "grpc, http, http/protobuf or http/json", &c.protocol);
    } else if (key == "service_name") {
      st = r.String(key, node, &c.service_name);
    } else if (key == "service_version") {
      st = r.String(key, node, &c.service_version);
    } else if (key == "service_namespace") {
      st = r.String(key, node, &c.service_namespace);
    } else if (key == "sample_rate") {
      st = r.Ratio(key, node, &c.sample_rate);
    } else if (key == "sampler") {
      st = r.Enum(key, node, ParseSamplerKind,
                  "always_on, always_off, traceidratio, parentbased_always_on, "
                  "parentbased_always_off or parentbased_traceidratio",
                  &c.sampler);
    } else if (key == "sampler_arg") {
      double d = 0;
      st = r.Ratio(key, node, &d);
      if (st.ok()) c.sampler_arg = d;
    } else if (key == "traces_enabled") {
      st = r.Bool(key, node, &c.traces_enabled);
    } else if (key == "metrics_enabled") {
      st = r.Bool(key, node, &c.metrics_enabled);
    } else if (key == "logs_enabled") {
      st = r.Bool(key, node, &c.logs_enabled);
    } else if (key == "metrics_export_interval") {
      st = r.Int(key, node, 1, &c.metrics_export_interval);
    } else if (key == "batch_size") {
      st = r.Int(key, node, 1, &c.batch_size);
    } else if (key == "batch_timeout_ms") {
      st = r.Int(key, node, 1, &c.batch_timeout_ms);
    } else if (key == "max_queue_size") {
      st = r.Int(key, node, 1, &c.max_queue_size);
    } else if (key == "export_timeout_ms") {
      st = r.Int(key, node, 0, &c.export_timeout_ms);
    } else if (key == "timeout_ms") {
      st = r.Int(key, node, 0, &c.timeout_ms);
    } else if (key == "compression") {
      st = r.Enum(key, node, ParseCompression, "none or gzip", &c.compression);
    } else if (key == "certificate") {
      st = r.String(key, node, &c.certificate);
    } else if (key == "client_certificate") {
      st = r.String(key, node, &c.client_certificate);
    } else if (key == "client_key") {
      st = r.String(key, node, &c.client_key);
    } else if (key == "insecure") {
      st = r.Bool(key, node, &c.insecure);
    } else if (key == "span_detail") {
      st = r.Enum(key, node, ParseDetail, "full or command", &c.span_detail);
    } else if (key == "statement") {
      st = r.Enum(key, node, ParseStatement, "sanitized, full, keys_redacted or off", &c.statement);
    } else if (key == "semconv_stability_opt_in") {
      std::string s;
      st = r.String(key, node, &s);
      if (st.ok()) c.semconv = semconv::ParseStabilityOptIn(s);
    } else if (key == "resource_attributes") {
      st = r.StringTable(key, node, /*expand=*/false, &c.resource_attributes);
    } else if (key == "headers") {
      st = r.StringTable(key, node, /*expand=*/true, &c.headers);
    } else {
      return Status::InvalidArgument("telemetry." + std::string(key) + ": unknown key");
    }
    if (!st.ok()) return st;
  }
  if (c.batch_size > c.max_queue_size)
    return Status::InvalidArgument("telemetry.batch_size: must not exceed max_queue_size (" +
                                   std::to_string(c.max_queue_size) + ")");
  if (c.logs_batch_size > c.logs_max_queue_size)
    return Status::InvalidArgument(
        "telemetry.logs_batch_size: must not exceed logs_max_queue_size (" +
        std::to_string(c.logs_max_queue_size) + ")");
  return Status::Ok();
}

void ApplyOtelEnvironment(TelemetryConfig* cfg, Provenance* prov,
                          const std::function<const char*(const char*)>& getenv) {
  EnvReader e(cfg, prov, getenv);
  TelemetryConfig& c = *cfg;

  if (auto kv = e.Get({"OTEL_SDK_DISABLED"})) {
    if (AsciiLower(kv->second) == "true") {
      c.enabled = false;
      e.Mark("enabled", kv->first);
    }
  }
  if (auto kv = e.Get({"OTEL_TRACES_EXPORTER"})) {
    if (AsciiLower(kv->second) == "none") {
      c.traces_enabled = false;
      e.Mark("traces_enabled", kv->first);
    }
  }
  e.String({"OTEL_EXPORTER_OTLP_ENDPOINT"}, "endpoint", &c.endpoint);
  e.String({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"}, "traces_endpoint", &c.traces_endpoint);
  if (auto kv = e.Get({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"})) {
    if (auto p = ParseProtocol(kv->second)) {
      c.protocol = *p;
      e.Mark("protocol", kv->first);
    } else {
      e.Warn(kv->first, kv->second, "expected grpc, http/protobuf or http/json");
    }
  }
  // Headers: generic first, then per-signal replaces same-named keys; both replace the file's.
  for (const char* var : {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"}) {
    auto kv = e.Get({var});
    if (!kv) continue;
    auto list = ParseKeyValueList(kv->second);
    if (!list) {
      e.Warn(kv->first, "<redacted>", "malformed header list");
      continue;
    }
    MergePairs(&c.headers, *list, /*fold_case=*/true);
    for (const auto& [k, v] : *list) e.Mark("headers." + k, kv->first);
  }
  e.Int({"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"}, "timeout_ms", 0,
        &c.timeout_ms);
  if (auto kv =
          e.Get({"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"})) {
    if (auto comp = ParseCompression(kv->second)) {
      c.compression = *comp;
      e.Mark("compression", kv->first);
    } else {
      e.Warn(kv->first, kv->second, "expected none or gzip");
    }
  }
  e.String({"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE"},
           "certificate", &c.certificate);
  e.String({"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY"}, "client_key",
           &c.client_key);
  e.String(
      {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"},
      "client_certificate", &c.client_certificate);
  e.Bool({"OTEL_EXPORTER_OTLP_TRACES_INSECURE", "OTEL_EXPORTER_OTLP_INSECURE",
          "OTEL_EXPORTER_OTLP_SPAN_INSECURE"},
         "insecure", &c.insecure);

  if (auto kv = e.Get({"OTEL_TRACES_SAMPLER"})) {
    if (auto k = ParseSamplerKind(Trim(kv->second))) {
      c.sampler = *k;
      e.Mark("sampler", kv->first);
    } else {
      e.Warn(kv->first, kv->second, "unsupported sampler");
    }
  }
  if (auto kv = e.Get({"OTEL_TRACES_SAMPLER_ARG"})) {
    char* end = nullptr;
    double d = std::strtod(kv->second.c_str(), &end);
    if (end == kv->second.c_str() || *end != '\0' || !(d >= 0.0 && d <= 1.0)) {
      e.Warn(kv->first, kv->second, "expected a probability in [0, 1]");
    } else if (!IsRatioSampler(c.sampler)) {
      e.Warn(kv->first, kv->second, "the sampler takes no argument");
    } else {
      c.sampler_arg = d;
      e.Mark("sampler_arg", kv->first);
    }
  }
  e.Int({"OTEL_BSP_SCHEDULE_DELAY"}, "batch_timeout_ms", 1, &c.batch_timeout_ms);
  e.Int({"OTEL_BSP_EXPORT_TIMEOUT"}, "export_timeout_ms", 0, &c.export_timeout_ms);
  e.Int({"OTEL_BSP_MAX_QUEUE_SIZE"}, "max_queue_size", 1, &c.max_queue_size);
  e.Int({"OTEL_BSP_MAX_EXPORT_BATCH_SIZE"}, "batch_size", 1, &c.batch_size);
  if (c.batch_size > c.max_queue_size) {
    c.warnings.push_back("batch_size " + std::to_string(c.batch_size) +
                         " exceeds max_queue_size; using " + std::to_string(c.max_queue_size));
    c.batch_size = c.max_queue_size;
  }
  // Logs: OTEL_LOGS_EXPORTER=none, the per-signal exporter overrides and the BLRP.
  if (auto kv = e.Get({"OTEL_LOGS_EXPORTER"})) {
    if (AsciiLower(kv->second) == "none") {
      c.logs_enabled = false;
      e.Mark("logs_enabled", kv->first);
    }
  }
  e.String({"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"}, "logs_endpoint", &c.logs_endpoint);
  if (auto kv = e.Get({"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL"})) {
    if (auto p = ParseProtocol(kv->second)) {
      c.logs_protocol = *p;
      e.Mark("logs_protocol", kv->first);
    } else {
      e.Warn(kv->first, kv->second, "expected grpc, http/protobuf or http/json");
    }
  }
  if (auto kv = e.Get({"OTEL_EXPORTER_OTLP_LOGS_HEADERS"})) {
    if (auto list = ParseKeyValueList(kv->second)) {
      MergePairs(&c.logs_headers, *list, /*fold_case=*/true);
    } else {
      e.Warn(kv->first, "<redacted>", "malformed header list");
    }
  }
  {
    int64_t t = -1;
    e.Int({"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT"}, "logs_timeout_ms", 0, &t);
    if (t >= 0) c.logs_timeout_ms = t;
  }
  if (auto kv = e.Get({"OTEL_EXPORTER_OTLP_LOGS_COMPRESSION"})) {
    if (auto comp = ParseCompression(kv->second)) {
      c.logs_compression = *comp;
      e.Mark("logs_compression", kv->first);
    } else {
      e.Warn(kv->first, kv->second, "expected none or gzip");
    }
  }
  e.Int({"OTEL_BLRP_SCHEDULE_DELAY"}, "logs_batch_timeout_ms", 1, &c.logs_batch_timeout_ms);
  e.Int({"OTEL_BLRP_EXPORT_TIMEOUT"}, "logs_export_timeout_ms", 0, &c.logs_export_timeout_ms);
  e.Int({"OTEL_BLRP_MAX_QUEUE_SIZE"}, "logs_max_queue_size", 1, &c.logs_max_queue_size);
  e.Int({"OTEL_BLRP_MAX_EXPORT_BATCH_SIZE"}, "logs_batch_size", 1, &c.logs_batch_size);
  if (c.logs_batch_size > c.logs_max_queue_size) {
    c.warnings.push_back("logs_batch_size " + std::to_string(c.logs_batch_size) +
                         " exceeds logs_max_queue_size; using " +
                         std::to_string(c.logs_max_queue_size));
    c.logs_batch_size = c.logs_max_queue_size;
  }
  if (auto kv = e.Get({"OTEL_SEMCONV_STABILITY_OPT_IN"})) {
    c.semconv = semconv::ParseStabilityOptIn(kv->second);
    e.Mark("semconv_stability_opt_in", kv->first);
  }

  // Resource: OTEL_SERVICE_NAME > service.name in OTEL_RESOURCE_ATTRIBUTES > file.
  if (auto kv = e.Get({"OTEL_RESOURCE_ATTRIBUTES"})) {
    auto list = ParseKeyValueList(kv->second);
    if (!list) {
      e.Warn(kv->first, kv->second, "malformed; the whole variable is discarded");
    } else {
      for (auto& [k, v] : *list) {
        if (k == "service.name") {
          c.service_name = v;
          e.Mark("service_name", kv->first);
        } else if (k == "service.version") {
          c.service_version = v;
          e.Mark("service_version", kv->first);
        } else if (k == "service.namespace") {
          c.service_namespace = v;
          e.Mark("service_namespace", kv->first);
        } else {
          MergePairs(&c.resource_attributes, {{k, v}}, false);
          e.Mark("resource_attributes." + k, kv->first);
        }
      }
    }
  }
  e.String({"OTEL_SERVICE_NAME"}, "service_name", &c.service_name);
}

std::string EffectiveEndpoint(const TelemetryConfig& cfg) {
  if (!cfg.endpoint.empty()) return cfg.endpoint;
  return cfg.protocol == OtlpProtocol::kGrpc ? "http://localhost:4317" : "http://localhost:4318";
}

std::string ResolveSignalEndpoint(const TelemetryConfig& cfg, std::string_view per_signal,
                                  std::string_view signal_path) {
  bool http = cfg.protocol != OtlpProtocol::kGrpc;
  if (!per_signal.empty()) {
    std::string url(per_signal);
    if (http) {
      size_t scheme = url.find("://");
      size_t host = scheme == std::string::npos ? 0 : scheme + 3;
      if (url.find('/', host) == std::string::npos) url += '/';
    }
    return url;
  }
  std::string base = EffectiveEndpoint(cfg);
  if (!http) return base;
  if (base.empty() || base.back() != '/') base += '/';
  return base + std::string(signal_path);
}

TelemetryConfig LogsExportConfig(const TelemetryConfig& cfg) {
  TelemetryConfig out = cfg;
  if (cfg.logs_protocol) out.protocol = *cfg.logs_protocol;
  if (cfg.logs_timeout_ms) out.timeout_ms = *cfg.logs_timeout_ms;
  if (cfg.logs_compression) out.compression = *cfg.logs_compression;
  MergePairs(&out.headers, cfg.logs_headers, /*fold_case=*/true);
  out.batch_size = cfg.logs_batch_size;
  out.batch_timeout_ms = cfg.logs_batch_timeout_ms;
  out.max_queue_size = cfg.logs_max_queue_size;
  out.export_timeout_ms = cfg.logs_export_timeout_ms;
  return out;
}

Sampler EffectiveSampler(const TelemetryConfig& cfg) {
  double ratio = cfg.sampler_arg.value_or(cfg.sample_rate);
  return Sampler::Make(cfg.sampler, IsRatioSampler(cfg.sampler) ? ratio : 1.0);
}

std::string DumpTelemetryToml(const TelemetryConfig& c, const Provenance& prov) {
  std::ostringstream os;
  auto from = [&](std::string_view key) {
    auto it = prov.find("telemetry." + std::string(key));
    return it == prov.end() ? std::string("default") : it->second;
  };
  auto line = [&](std::string_view key, const std::string& value) {
    os << key << " = " << value << "  # from: " << from(key) << "\n";
  };
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  os << "[telemetry]\n";
  line("enabled", b(c.enabled));
  line("endpoint", TomlQuote(EffectiveEndpoint(c)));
  line("traces_endpoint", TomlQuote(c.traces_endpoint));
  line("protocol", TomlQuote(ProtocolName(c.protocol)));
  line("service_name", TomlQuote(c.service_name));
  line("service_version", TomlQuote(c.service_version));
  line("service_namespace", TomlQuote(c.service_namespace));
  line("sample_rate", TomlDouble(c.sample_rate));
  line("sampler", TomlQuote(SamplerKindName(c.sampler)));
  if (c.sampler_arg) line("sampler_arg", TomlDouble(*c.sampler_arg));
  line("traces_enabled", b(c.traces_enabled));
  line("metrics_enabled", b(c.metrics_enabled));
  line("logs_enabled", b(c.logs_enabled));
  line("metrics_export_interval", std::to_string(c.metrics_export_interval));
  line("logs_endpoint", TomlQuote(c.logs_endpoint));
  line("logs_batch_size", std::to_string(c.logs_batch_size));
  line("logs_batch_timeout_ms", std::to_string(c.logs_batch_timeout_ms));
  line("logs_max_queue_size", std::to_string(c.logs_max_queue_size));
  line("logs_export_timeout_ms", std::to_string(c.logs_export_timeout_ms));
  line("batch_size", std::to_string(c.batch_size));
  line("batch_timeout_ms", std::to_string(c.batch_timeout_ms));
  line("max_queue_size", std::to_string(c.max_queue_size));
  line("export_timeout_ms", std::to_string(c.export_timeout_ms));
  line("timeout_ms", std::to_string(c.timeout_ms));
  line("compression", TomlQuote(c.compression == Compression::kGzip ? "gzip" : "none"));
  line("certificate", TomlQuote(c.certificate));
  line("client_certificate", TomlQuote(c.client_certificate));
  line("client_key", TomlQuote(c.client_key));
  line("insecure", b(c.insecure));
  line("span_detail", TomlQuote(c.span_detail == SpanDetail::kFull ? "full" : "command"));
  line("statement", TomlQuote(StatementModeName(c.statement)));
  line("semconv_stability_opt_in", TomlQuote(SemconvName(c.semconv)));
  os << "\n[telemetry.resource_attributes]\n";
  for (const auto& [k, v] : c.resource_attributes)
    os << TomlQuote(k) << " = " << TomlQuote(v) << "  # from: " << from("resource_attributes." + k)
       << "\n";
  // Header values are credentials more often than not: the dump shows that they are set, not
  // what they are.
  os << "\n[telemetry.headers]\n";
  for (const auto& [k, v] : c.headers)
    os << TomlQuote(k) << " = " << TomlQuote(v.empty() ? "" : "<redacted>")
       << "  # from: " << from("headers." + k) << "\n";
  return os.str();
}

}  // namespace ferrite::telemetry
