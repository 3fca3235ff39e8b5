// Writes the exposition or OTLP encoding of a fully populated registry (sample_registry.h) to
// stdout, for the format checks in CMakeLists.txt:
//   metrics_dump text|openmetrics [seed|current|both]
//   metrics_dump otlp|otlp-json [cumulative|delta|lowmemory] [seed|current|both]
//   metrics_dump serve [seed|current|both]   (prints the port, serves /metrics until stdin closes)

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include <atomic>
#include <chrono>
#include <thread>

#include "telemetry/metrics/metrics_endpoint.h"
#include "telemetry/metrics/otlp_metrics.h"
#include "telemetry/metrics/prometheus_text.h"
#include "telemetry/metrics/testdata/sample_registry.h"

using namespace ferrite::telemetry;
using namespace ferrite::telemetry::metrics;

namespace {

NameScheme Scheme(std::string_view s) {
  if (s == "current") return NameScheme::kNew;
  if (s == "both") return NameScheme::kBoth;
  return NameScheme::kOld;
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view mode = argc > 1 ? argv[1] : "text";
  constexpr size_t kCommands = 40;
  Configure(kCommands);
  Collector collector(testing::SampleCommandNames(kCommands));
  testing::AddSampleServerSource(collector);
  testing::RecordSampleTraffic(kCommands, 20);

  std::string out;
  if (mode == "text" || mode == "openmetrics") {
    RenderPrometheus(collector.Collect(),
                     mode == "text" ? ExpositionFormat::kText004 : ExpositionFormat::kOpenMetrics,
                     Scheme(argc > 2 ? argv[2] : "seed"), &out);
  } else if (mode == "otlp" || mode == "otlp-json") {
    const Encoding encoding = mode == "otlp" ? Encoding::kProtobuf : Encoding::kJson;
    OtlpMetricsEncoder::Options opt;
    opt.temporality = ParseTemporalityPreference(argc > 2 ? argv[2] : "cumulative")
                          .value_or(Temporality::kCumulative);
    opt.scheme = Scheme(argc > 3 ? argv[3] : "seed");
    opt.resource.attributes.push_back(KeyValue::Str("service.name", "ferrite"));
    opt.scope.version = "0.1.0";
    OtlpMetricsEncoder enc(opt);
    out = enc.Encode(collector.Collect(), encoding);
    if (opt.temporality != Temporality::kCumulative) {
      // A second collection after more traffic: the delta window holds only that traffic.
      RecordCommand(0, 2'000, nullptr);
      out = enc.Encode(collector.Collect(), encoding);
    }
  } else if (mode == "serve") {
    MetricsEndpoint::Options opt;
    opt.port = 0;
    opt.scheme = Scheme(argc > 2 ? argv[2] : "seed");
    auto ep = MetricsEndpoint::Start(opt, &collector);
    if (!ep) {
      std::cerr << ep.error().ToString() << "\n";
      return 1;
    }
    std::cout << (*ep)->port() << std::endl;
    // Keep traffic flowing (so rate() and histogram_quantile() have data) until stdin closes.
    std::atomic<bool> done{false};
    std::thread traffic([&] {
      while (!done.load()) {
        testing::RecordSampleTraffic(kCommands, 5);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
    std::string line;
    while (std::getline(std::cin, line)) {
    }
    done = true;
    traffic.join();
    (*ep)->Stop();
    return 0;
  } else {
    std::cerr << "unknown mode\n";
    return 2;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
