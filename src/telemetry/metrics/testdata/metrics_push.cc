// Pushes one OTLP metrics export of the sample registry through the real telemetry transports:
//   metrics_push grpc|http/protobuf|http/json <endpoint> [cumulative|delta]
// Exit status 0 when the collector accepted it. Driven by push_metrics_test.js.

#include <cstdlib>
#include <iostream>
#include <string_view>

#include "telemetry/metrics/otlp_metric_exporter.h"
#include "telemetry/metrics/testdata/sample_registry.h"

using namespace ferrite::telemetry;
using namespace ferrite::telemetry::metrics;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: metrics_push <protocol> <endpoint> [temporality]\n";
    return 2;
  }
  TelemetryConfig cfg;
  cfg.enabled = true;
  auto protocol = ParseProtocol(argv[1]);
  if (!protocol) return 2;
  cfg.protocol = *protocol;
  cfg.endpoint = argv[2];
  cfg.headers = {{"x-test-header", "metrics"}};
  cfg.resource_attributes = {{"deployment.environment", "test"}};

  constexpr size_t kCommands = 40;
  Configure(kCommands);
  Collector collector(testing::SampleCommandNames(kCommands));
  testing::AddSampleServerSource(collector);
  testing::RecordSampleTraffic(kCommands, 20);

  std::vector<std::string> warnings;
  auto opts = OtlpMetricExporter::OptionsFrom(cfg, "0.1.0", ::getenv, &warnings);
  opts.interval = std::chrono::hours(1);
  opts.timeout = std::chrono::seconds(20);
  if (argc > 3) opts.encoder.temporality = *ParseTemporalityPreference(argv[3]);
  auto ex = OtlpMetricExporter::Start(cfg, "0.1.0", opts, &collector);
  if (!ex) {
    std::cerr << ex.error().ToString() << "\n";
    return 1;
  }
  bool ok = (*ex)->ForceFlush(std::chrono::seconds(30));
  (*ex)->Shutdown(std::chrono::milliseconds(0));
  auto st = (*ex)->stats();
  std::cout << "exports=" << st.exports << " failures=" << st.failures << std::endl;
  return ok ? 0 : 1;
}
