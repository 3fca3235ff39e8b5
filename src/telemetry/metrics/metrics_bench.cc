// Micro-benchmarks: the dispatcher's recording hook, and a full collection + render with every
// command label present (the scrape-time target is < 5 ms).

#include <benchmark/benchmark.h>

#include "base/clock.h"
#include "telemetry/metrics/otlp_metrics.h"
#include "telemetry/metrics/prometheus_text.h"
#include "telemetry/metrics/testdata/sample_registry.h"

namespace ferrite::telemetry::metrics {
namespace {

// Redis 7.0's registry has 383 specs (commands and subcommands); round up.
constexpr size_t kCommands = 400;

void BM_RecordCommand(benchmark::State& state) {
  Configure(kCommands);
  AttachThread();
  uint32_t id = static_cast<uint32_t>(state.thread_index() * 17);
  uint64_t ns = 800;
  for (auto _ : state) {
    RecordCommand(id, ns, nullptr);
    id = id + 1 == 64 ? 0 : id + 1;  // a hot working set of 64 commands
    ns = ns * 3 % 100'000 + 300;     // spread over the low buckets
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordCommand)->Threads(1)->Threads(2)->UseRealTime();

void BM_RecordCommandWithExemplar(benchmark::State& state) {
  Configure(kCommands);
  UpdateCoarseClock();  // the server's cron keeps it fresh; exemplar timestamps read it
  ExemplarRef ex;
  ex.trace_id.bytes[0] = 1;
  ex.span_id.bytes[0] = 2;
  uint64_t durations[64];
  for (int i = 0; i < 64; ++i) durations[i] = 300 + static_cast<uint64_t>(i * i) * 97;
  uint32_t i = 0;
  for (auto _ : state) {
    RecordCommand(7, durations[i], &ex);
    i = (i + 1) & 63;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordCommandWithExemplar);

struct Populated {
  Populated() : collector(testing::SampleCommandNames(kCommands)) {
    Configure(kCommands);
    testing::AddSampleServerSource(collector);
    collector.AddSource([](MetricsSnapshot& s) {  // every command label in commands_total too
      for (size_t i = 0; i < kCommands; ++i)
        s.AddInt(MetricId::kCommands, "CMD" + std::to_string(i), 1);
    });
    testing::RecordSampleTraffic(kCommands, 50);
  }
  Collector collector;
};

Populated& Registry() {
  static Populated p;
  return p;
}

void BM_ScrapeRender(benchmark::State& state) {
  const Collector& c = Registry().collector;
  const auto format = static_cast<ExpositionFormat>(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out;
    out.reserve(256 * 1024);
    RenderPrometheus(c.Collect(), format, NameScheme::kOld, &out);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ScrapeRender)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_OtlpEncode(benchmark::State& state) {
  const Collector& c = Registry().collector;
  OtlpMetricsEncoder enc({});
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = enc.Encode(c.Collect());
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_OtlpEncode)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ferrite::telemetry::metrics

BENCHMARK_MAIN();
