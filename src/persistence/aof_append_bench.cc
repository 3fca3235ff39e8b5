// Cost of AofWriter::Propagate on the command path (policy `no`, so the disk is off the critical
// path): one thread vs several contending for the shared buffer's mutex.

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <memory>
#include <string>

#include "persistence/aof_format.h"
#include "persistence/aof_writer.h"
#include "storage/memory_store.h"

namespace ferrite::persistence {
namespace {

struct Env {
  std::string dir;
  std::unique_ptr<storage::Store> store = storage::NewMemoryStore(1);
  server::KeyLockTable locks;
  std::unique_ptr<AofWriter> writer;
  Env() {
    char tmpl[] = "/tmp/ferrite_aofb_XXXXXX";
    dir = mkdtemp(tmpl);
    AofOptions o;
    o.dir = dir;
    o.sync = AofSync::kNo;
    o.auto_rewrite_percentage = 0;
    writer = AofWriter::Open(o, store.get(), &locks).value();
  }
  ~Env() {
    (void)writer->Shutdown();
    writer.reset();
    std::system(("rm -rf " + dir).c_str());
  }
};

Env* g_env = nullptr;

void BM_Propagate(benchmark::State& state) {
  if (state.thread_index() == 0) g_env = new Env;
  std::string key = "key:" + std::to_string(state.thread_index()) + ":000000";
  std::string value(static_cast<size_t>(state.range(0)), 'v');
  std::string_view argv[] = {"SET", key, value};
  for (auto _ : state) g_env->writer->Propagate(0, argv);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(EncodedSize(argv)));
  if (state.thread_index() == 0) {
    delete g_env;
    g_env = nullptr;
  }
}

}  // namespace
}  // namespace ferrite::persistence

BENCHMARK(ferrite::persistence::BM_Propagate)
    ->Arg(16)
    ->Arg(256)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->UseRealTime();
BENCHMARK_MAIN();
