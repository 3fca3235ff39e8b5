// Micro-benchmarks of the HybridLog store, in memory: Read, Upsert and RMW of small records
// (8-byte keys, 8-byte values) at 1 and 2 threads, each thread with its own session and keys
// drawn uniformly from a preloaded set. Items/s is per thread (Google Benchmark reports the
// per-thread rate with ->Threads(n) and UseRealTime off). Results: docs/design/hybridlog.md.

#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "io/mem_device.h"
#include "storage/hlog/hybrid_log_store.h"

namespace ferrite::storage {
namespace {

constexpr int kKeys = 1 << 20;
// Benchmarks take the key-set size as their argument: 64 Ki keys (cache-resident: the engine's
// own cost) and 1 Mi keys (index and records mostly in DRAM).

struct Fixture {
  std::unique_ptr<Store> store;
  std::vector<std::string> keys;
  Fixture() {
    HybridLogOptions o;
    o.device = std::make_shared<io::MemDevice>();
    o.max_memory = 512ull << 20;
    o.page_size = 4u << 20;
    o.index_fraction = 0.125;
    store = std::move(NewHybridLogStore(o)).value();
    auto s = store->NewSession();
    keys.reserve(kKeys);
    for (int i = 0; i < kKeys; ++i) {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "k%07d", i);
      keys.emplace_back(buf);
      RecordBuilder rb;
      rb.value = "12345678";
      (void)s->Upsert(0, keys.back(), rb);
    }
  }
};

Fixture& Shared() {
  static Fixture* f = new Fixture();
  return *f;
}

class Incr final : public RmwFunctions {
 public:
  Status InitialUpdate(RecordBuilder& out) override {
    out.value = "1";
    return Status::Ok();
  }
  bool InPlaceUpdate(MutableRecord& rec) override {
    // Fixed-width counter: increment the last digit with carry, in place.
    for (int i = static_cast<int>(*rec.length) - 1; i >= 0; --i) {
      if (rec.value[i] < '9') {
        ++rec.value[i];
        return true;
      }
      rec.value[i] = '0';
    }
    return true;
  }
  Status CopyUpdate(const RecordView& old, RecordBuilder& out) override {
    out.value.assign(old.value);
    return Status::Ok();
  }
};

void BM_Read(benchmark::State& state) {
  Fixture& f = Shared();
  auto s = f.store->NewSession();
  std::mt19937_64 rng(state.thread_index() + 1);
  uint64_t found = 0;
  for (auto _ : state) {
    const std::string& k = f.keys[rng() % state.range(0)];
    Status st = s->Read(0, k, [&](const RecordView& r) { found += r.value.size(); });
    benchmark::DoNotOptimize(st);
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(state.iterations());
}

void BM_Upsert(benchmark::State& state) {
  Fixture& f = Shared();
  auto s = f.store->NewSession();
  std::mt19937_64 rng(state.thread_index() + 101);
  RecordBuilder rb;
  rb.value = "87654321";
  for (auto _ : state) {
    Status st = s->Upsert(0, f.keys[rng() % state.range(0)], rb);
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Rmw(benchmark::State& state) {
  Fixture& f = Shared();
  auto s = f.store->NewSession();
  std::mt19937_64 rng(state.thread_index() + 201);
  Incr incr;
  for (auto _ : state) {
    Status st = s->Rmw(0, f.keys[rng() % state.range(0)], incr);
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_Read)->Arg(1 << 12)->Arg(1 << 16)->Arg(kKeys)->Threads(1)->Threads(2);
BENCHMARK(BM_Upsert)->Arg(1 << 12)->Arg(1 << 16)->Arg(kKeys)->Threads(1)->Threads(2);
BENCHMARK(BM_Rmw)->Arg(1 << 12)->Arg(1 << 16)->Arg(kKeys)->Threads(1)->Threads(2);

}  // namespace
}  // namespace ferrite::storage

BENCHMARK_MAIN();
