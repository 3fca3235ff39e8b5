#include "telemetry/config/telemetry_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <string>

namespace ferrite::telemetry {
namespace {

using Env = std::map<std::string, std::string>;

std::function<const char*(const char*)> Getenv(const Env& env) {
  return [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}

Status Parse(std::string_view toml_text, TelemetryConfig* cfg, Provenance* prov) {
  toml::table root = toml::parse(toml_text);
  const toml::table* t = root["telemetry"].as_table();
  if (t == nullptr) return Status::InvalidArgument("no [telemetry]");
  return ParseTelemetryTable(*t, cfg, prov);
}

constexpr std::string_view kSeedFull = R"(
[telemetry]
enabled = true
endpoint = "http://localhost:4317"
protocol = "grpc"
service_name = "ferrite"
service_version = "1.0.0"
service_namespace = "production"
sample_rate = 1.0
traces_enabled = true
metrics_enabled = true
logs_enabled = true
metrics_export_interval = 60
batch_size = 512
batch_timeout_ms = 5000

[telemetry.resource_attributes]
"deployment.environment" = "production"
"host.name" = "ferrite-prod-01"
"service.instance.id" = "i-0abc123"

[telemetry.headers]
"Authorization" = "Bearer ${FERRITE_TEST_TOKEN}"
)";

TEST(TelemetryConfig, ParsesTheSeedsFullReference) {
  setenv("FERRITE_TEST_TOKEN", "tok123", 1);
  TelemetryConfig c;
  Provenance prov;
  ASSERT_TRUE(Parse(kSeedFull, &c, &prov).ok());
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.protocol, OtlpProtocol::kGrpc);
  EXPECT_EQ(c.service_namespace, "production");
  EXPECT_EQ(c.batch_size, 512);
  ASSERT_EQ(c.resource_attributes.size(), 3u);
  EXPECT_EQ(c.resource_attributes[0].first, "deployment.environment");
  ASSERT_EQ(c.headers.size(), 1u);
  EXPECT_EQ(c.headers[0].second, "Bearer tok123");
  EXPECT_EQ(prov["telemetry.batch_size"], "file");
  EXPECT_EQ(prov.count("telemetry.max_queue_size"), 0u);
}

TEST(TelemetryConfig, ErrorsNameTheKey) {
  TelemetryConfig c;
  Status st = Parse("[telemetry]\nenabeld = true\n", &c, nullptr);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("telemetry.enabeld"), std::string_view::npos) << st.message();
  st = Parse("[telemetry]\nbatch_size = \"512\"\n", &c, nullptr);
  EXPECT_NE(st.message().find("telemetry.batch_size"), std::string_view::npos) << st.message();
  st = Parse("[telemetry]\nsample_rate = 1.5\n", &c, nullptr);
  EXPECT_NE(st.message().find("telemetry.sample_rate"), std::string_view::npos) << st.message();
  st = Parse("[telemetry]\nprotocol = \"udp\"\n", &c, nullptr);
  EXPECT_NE(st.message().find("telemetry.protocol"), std::string_view::npos) << st.message();
  st = Parse("[telemetry.headers]\nx = 1\n", &c, nullptr);
  EXPECT_NE(st.message().find("telemetry.headers.x"), std::string_view::npos) << st.message();
  st = Parse("[telemetry]\nbatch_size = 5000\n", &c, nullptr);
  EXPECT_NE(st.message().find("telemetry.batch_size"), std::string_view::npos) << st.message();
  // Integer where a ratio is expected is fine.
  TelemetryConfig d;
  EXPECT_TRUE(Parse("[telemetry]\nsample_rate = 0\n", &d, nullptr).ok());
  EXPECT_EQ(d.sample_rate, 0.0);
}

TEST(TelemetryConfig, EnvironmentBeatsFile) {
  TelemetryConfig c;
  Provenance prov;
  ASSERT_TRUE(Parse(kSeedFull, &c, &prov).ok());
  Env env = {
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
      {"OTEL_SERVICE_NAME", "ferrite-env"},
      {"OTEL_RESOURCE_ATTRIBUTES",
       "service.name=ignored,deployment.environment=staging,team=db%2Cops"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20env, x-tenant = a"},
      {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-tenant=b"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP"},
      {"OTEL_TRACES_SAMPLER", "traceidratio"},
      {"OTEL_TRACES_SAMPLER_ARG", "0.25"},
      {"OTEL_BSP_SCHEDULE_DELAY", "100"},
      {"OTEL_BSP_MAX_QUEUE_SIZE", "4096"},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1024"},
      {"OTEL_BSP_EXPORT_TIMEOUT", "7000"},
      {"OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem"},
      {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/etc/key.pem"},
      {"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/etc/cert.pem"},
      {"OTEL_EXPORTER_OTLP_INSECURE", "true"},
      {"OTEL_SEMCONV_STABILITY_OPT_IN", "database/dup"},
  };
  ApplyOtelEnvironment(&c, &prov, Getenv(env));
  EXPECT_EQ(c.endpoint, "http://collector:4318");
  EXPECT_EQ(c.protocol, OtlpProtocol::kHttpJson);
  EXPECT_EQ(ResolveTracesEndpoint(c), "http://collector:4318/v1/traces");
  EXPECT_EQ(c.service_name, "ferrite-env");
  EXPECT_EQ(prov["telemetry.service_name"], "env:OTEL_SERVICE_NAME");
  EXPECT_EQ(c.timeout_ms, 2500);
  EXPECT_EQ(c.compression, Compression::kGzip);
  EXPECT_EQ(c.sampler, SamplerKind::kTraceIdRatio);
  EXPECT_EQ(EffectiveSampler(c).ratio, 0.25);
  EXPECT_EQ(c.batch_timeout_ms, 100);
  EXPECT_EQ(c.max_queue_size, 4096);
  EXPECT_EQ(c.batch_size, 1024);
  EXPECT_EQ(c.export_timeout_ms, 7000);
  EXPECT_EQ(c.certificate, "/etc/ca.pem");
  EXPECT_EQ(c.client_key, "/etc/key.pem");
  EXPECT_EQ(c.client_certificate, "/etc/cert.pem");
  EXPECT_TRUE(c.insecure);
  EXPECT_EQ(c.semconv, semconv::NameScheme::kBoth);
  // Headers: the env replaces the file's Authorization (case-insensitively); the per-signal
  // variable replaces the generic one's x-tenant.
  std::map<std::string, std::string> h(c.headers.begin(), c.headers.end());
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h["authorization"], "Bearer env");
  EXPECT_EQ(h["x-tenant"], "b");
  std::map<std::string, std::string> ra(c.resource_attributes.begin(), c.resource_attributes.end());
  EXPECT_EQ(ra["deployment.environment"], "staging");
  EXPECT_EQ(ra["team"], "db,ops");
  EXPECT_EQ(ra["host.name"], "ferrite-prod-01");
  EXPECT_EQ(prov["telemetry.resource_attributes.deployment.environment"],
            "env:OTEL_RESOURCE_ATTRIBUTES");
  EXPECT_TRUE(c.warnings.empty());
}

TEST(TelemetryConfig, EndpointRules) {
  TelemetryConfig c;
  EXPECT_EQ(ResolveTracesEndpoint(c), "http://localhost:4317");  // gRPC default, no path
  c.protocol = OtlpProtocol::kHttpProtobuf;
  EXPECT_EQ(ResolveTracesEndpoint(c), "http://localhost:4318/v1/traces");
  c.endpoint = "http://c:4318/mycollector/";
  EXPECT_EQ(ResolveTracesEndpoint(c), "http://c:4318/mycollector/v1/traces");
  Provenance prov;
  Env env = {{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318"}};
  ApplyOtelEnvironment(&c, &prov, Getenv(env));
  EXPECT_EQ(ResolveTracesEndpoint(c), "http://c:4318/");  // per-signal: as is, "/" if no path
  c.traces_endpoint = "https://x:1234/custom/path";
  EXPECT_EQ(ResolveTracesEndpoint(c), "https://x:1234/custom/path");
}

TEST(TelemetryConfig, InvalidEnvironmentIsIgnoredWithAWarning) {
  TelemetryConfig c;
  Provenance prov;
  Env env = {
      {"OTEL_BSP_MAX_QUEUE_SIZE", "-5"},        {"OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"},
      {"OTEL_TRACES_SAMPLER", "jaeger_remote"}, {"OTEL_RESOURCE_ATTRIBUTES", "a=1,broken"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", ""},       {"OTEL_SDK_DISABLED", "yes"}};
  c.enabled = true;
  ApplyOtelEnvironment(&c, &prov, Getenv(env));
  EXPECT_EQ(c.max_queue_size, 2048);
  EXPECT_EQ(c.protocol, OtlpProtocol::kGrpc);
  EXPECT_EQ(c.sampler, SamplerKind::kParentBasedTraceIdRatio);
  EXPECT_TRUE(c.resource_attributes.empty());
  EXPECT_EQ(c.timeout_ms, 10000);
  EXPECT_TRUE(c.enabled);  // only "true" disables
  EXPECT_EQ(c.warnings.size(), 4u);
  EXPECT_TRUE(prov.empty());
  Env off = {{"OTEL_SDK_DISABLED", "TRUE"}};
  ApplyOtelEnvironment(&c, &prov, Getenv(off));
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(prov["telemetry.enabled"], "env:OTEL_SDK_DISABLED");
}

TEST(TelemetryConfig, SampleRateMapsOntoTheRatioSampler) {
  TelemetryConfig c;
  ASSERT_TRUE(Parse("[telemetry]\nsample_rate = 0.1\n", &c, nullptr).ok());
  Sampler s = EffectiveSampler(c);
  EXPECT_EQ(s.kind, SamplerKind::kParentBasedTraceIdRatio);
  EXPECT_DOUBLE_EQ(s.ratio, 0.1);
  // A sampler argument from the environment wins over sample_rate.
  Env env = {{"OTEL_TRACES_SAMPLER_ARG", "0.5"}};
  Provenance prov;
  ApplyOtelEnvironment(&c, &prov, Getenv(env));
  EXPECT_DOUBLE_EQ(EffectiveSampler(c).ratio, 0.5);
  // always_on ignores the argument.
  TelemetryConfig d;
  d.sampler = SamplerKind::kAlwaysOn;
  d.sample_rate = 0.0;
  EXPECT_EQ(EffectiveSampler(d).threshold, 0u);
}

TEST(TelemetryConfig, DumpIsValidTomlWithProvenance) {
  setenv("FERRITE_TEST_TOKEN", "secret-token", 1);
  TelemetryConfig c;
  Provenance prov;
  ASSERT_TRUE(Parse(kSeedFull, &c, &prov).ok());
  Env env = {{"OTEL_SERVICE_NAME", "from-env"}, {"OTEL_RESOURCE_ATTRIBUTES", "k=\"quoted\""}};
  ApplyOtelEnvironment(&c, &prov, Getenv(env));
  std::string dump = DumpTelemetryToml(c, prov);
  EXPECT_NE(dump.find("service_name = \"from-env\"  # from: env:OTEL_SERVICE_NAME"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("batch_size = 512  # from: file"), std::string::npos) << dump;
  EXPECT_NE(dump.find("max_queue_size = 2048  # from: default"), std::string::npos) << dump;
  EXPECT_EQ(dump.find("secret-token"), std::string::npos) << dump;
  // Round trip: the dump parses as TOML and back into the same values.
  toml::table t;
  ASSERT_NO_THROW(t = toml::parse(dump)) << dump;
  TelemetryConfig again;
  ASSERT_TRUE(ParseTelemetryTable(*t["telemetry"].as_table(), &again, nullptr).ok());
  EXPECT_EQ(again.service_name, "from-env");
  EXPECT_EQ(again.endpoint, "http://localhost:4317");
  EXPECT_EQ(again.batch_size, 512);
  std::map<std::string, std::string> ra(again.resource_attributes.begin(),
                                        again.resource_attributes.end());
  EXPECT_EQ(ra["k"], "\"quoted\"");
}

TEST(TelemetryConfig, LogsSignalSettings) {
  TelemetryConfig c;
  Provenance prov;
  ASSERT_TRUE(Parse(R"(
[telemetry]
protocol = "grpc"
logs_batch_size = 100
logs_max_queue_size = 200
logs_batch_timeout_ms = 250
logs_export_timeout_ms = 1000
headers = { "x-common" = "a", "x-both" = "generic" }
)",
                    &c, &prov)
                  .ok());
  EXPECT_EQ(c.logs_batch_size, 100);
  EXPECT_EQ(c.logs_max_queue_size, 200);
  EXPECT_EQ(ResolveLogsEndpoint(c), "http://localhost:4317");
  Env env = {{"OTEL_BLRP_SCHEDULE_DELAY", "50"},
             {"OTEL_BLRP_MAX_QUEUE_SIZE", "64"},
             {"OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "32"},
             {"OTEL_BLRP_EXPORT_TIMEOUT", "7000"},
             {"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://logs:4318"},
             {"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/json"},
             {"OTEL_EXPORTER_OTLP_LOGS_HEADERS", "X-Both=logs,x-only=1"},
             {"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "1500"},
             {"OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "gzip"}};
  ApplyOtelEnvironment(&c, &prov, Getenv(env));
  EXPECT_EQ(c.logs_batch_timeout_ms, 50);
  EXPECT_EQ(c.logs_max_queue_size, 64);
  EXPECT_EQ(c.logs_batch_size, 32);
  EXPECT_EQ(c.logs_export_timeout_ms, 7000);
  EXPECT_EQ(prov["telemetry.logs_batch_size"], "env:OTEL_BLRP_MAX_EXPORT_BATCH_SIZE");
  // The traces keep the generic settings; the logs transport gets the overrides.
  EXPECT_EQ(c.protocol, OtlpProtocol::kGrpc);
  EXPECT_EQ(c.timeout_ms, 10000);
  TelemetryConfig logs = LogsExportConfig(c);
  EXPECT_EQ(logs.protocol, OtlpProtocol::kHttpJson);
  EXPECT_EQ(logs.timeout_ms, 1500);
  EXPECT_EQ(logs.compression, Compression::kGzip);
  EXPECT_EQ(logs.batch_size, 32);
  EXPECT_EQ(logs.max_queue_size, 64);
  EXPECT_EQ(logs.batch_timeout_ms, 50);
  EXPECT_EQ(logs.export_timeout_ms, 7000);
  std::map<std::string, std::string> h(logs.headers.begin(), logs.headers.end());
  EXPECT_EQ(h["x-common"], "a");
  EXPECT_EQ(h["X-Both"], "logs");  // replaced case-insensitively (keys are folded on the wire)
  EXPECT_EQ(h.count("x-both"), 0u);
  EXPECT_EQ(h["x-only"], "1");
  EXPECT_EQ(ResolveLogsEndpoint(logs), "http://logs:4318/");  // per-signal: as is
  // Without a per-signal endpoint the generic one gets v1/logs.
  logs.logs_endpoint.clear();
  logs.endpoint = "http://c:4318";
  EXPECT_EQ(ResolveLogsEndpoint(logs), "http://c:4318/v1/logs");
  // OTEL_LOGS_EXPORTER=none turns the logs off; a batch above the queue is clamped.
  Env env2 = {{"OTEL_LOGS_EXPORTER", "none"}, {"OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "1000"}};
  ApplyOtelEnvironment(&c, &prov, Getenv(env2));
  EXPECT_FALSE(c.logs_enabled);
  EXPECT_EQ(c.logs_batch_size, 64);
  EXPECT_FALSE(c.warnings.empty());
  // The file rejects a batch larger than the queue.
  TelemetryConfig bad;
  EXPECT_FALSE(
      Parse("[telemetry]\nlogs_batch_size = 10\nlogs_max_queue_size = 5\n", &bad, &prov).ok());
}

}  // namespace
}  // namespace ferrite::telemetry
