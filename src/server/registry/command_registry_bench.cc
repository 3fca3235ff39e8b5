// Costs on the command path: name lookup (case-insensitive), request lookup with a subcommand,
// and key extraction for a fixed-range and a keynum command.

#include <benchmark/benchmark.h>

#include <string_view>
#include <vector>

#include "server/registry/command_registry.h"

namespace ferrite::server {
namespace {

const CommandRegistry& Registry() {
  static auto* registry = CommandRegistry::Create().value().release();
  return *registry;
}

void BM_Create(benchmark::State& state) {
  for (auto _ : state) {
    auto r = CommandRegistry::Create();
    benchmark::DoNotOptimize(r.has_value());
  }
}
BENCHMARK(BM_Create)->Unit(benchmark::kMillisecond);

void BM_FindUpperCase(benchmark::State& state) {
  const CommandRegistry& r = Registry();
  for (auto _ : state) benchmark::DoNotOptimize(r.Find("ZUNIONSTORE"));
}
BENCHMARK(BM_FindUpperCase);

void BM_LookupSubcommand(benchmark::State& state) {
  const CommandRegistry& r = Registry();
  std::vector<std::string_view> argv = {"CONFIG", "GET", "maxmemory"};
  for (auto _ : state) benchmark::DoNotOptimize(r.Lookup(argv));
}
BENCHMARK(BM_LookupSubcommand);

void BM_GetKeysRange(benchmark::State& state) {
  const CommandRegistry& r = Registry();
  std::vector<std::string_view> argv = {"MSET", "a", "1", "b", "2", "c", "3"};
  const CommandSpec& spec = *r.Find("mset");
  std::vector<int> positions;
  for (auto _ : state) benchmark::DoNotOptimize(r.GetKeys(spec, argv, &positions));
}
BENCHMARK(BM_GetKeysRange);

void BM_GetKeysKeynum(benchmark::State& state) {
  const CommandRegistry& r = Registry();
  std::vector<std::string_view> argv = {"ZUNIONSTORE", "dst", "3", "a", "b", "c"};
  const CommandSpec& spec = *r.Find("zunionstore");
  std::vector<int> positions;
  for (auto _ : state) benchmark::DoNotOptimize(r.GetKeys(spec, argv, &positions));
}
BENCHMARK(BM_GetKeysKeynum);

}  // namespace
}  // namespace ferrite::server

BENCHMARK_MAIN();
