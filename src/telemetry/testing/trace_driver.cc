// otel_trace_driver: records synthetic command traces through exactly the API the server uses
// (CommandTrace, StepScope, ActiveTraceScope, ScopedSpan) and exports them with
// TelemetryRuntime. The Node integration tests in tests/otel run it against their OTLP receiver
// and check what arrives. It reads its configuration like ferrite does: a TOML file's
// [telemetry] table, then the OTEL_* environment.
//
// Usage: otel_trace_driver [--config FILE] [--dump-config] [--commands N] [--threads T]
//          [--traceparent TP] [--tracestate TS] [--error-every K] [--background]
//          [--binary-key] [--flush-ms MS] [--shutdown-ms MS] [--no-flush]
// Prints one JSON line of counters and timings on stdout.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/api/command_trace.h"
#include "telemetry/api/scoped_span.h"
#include "telemetry/api/semconv.h"
#include "telemetry/config/telemetry_config.h"
#include "telemetry/sdk/diagnostics.h"
#include "telemetry/sdk/telemetry_runtime.h"

namespace ferrite::telemetry {
namespace {

struct Args {
  std::string config;
  bool dump = false;
  int commands = 10;
  int threads = 1;
  std::string traceparent, tracestate;
  int error_every = 0;
  bool background = false;
  bool binary_key = false;
  int flush_ms = 10000;
  int shutdown_ms = 5000;
  bool flush = true;
};

struct ThreadResult {
  int sampled = 0;
  int64_t max_record_ns = 0;
  std::vector<std::string> first_ids;  // "traceid-spanid" of the first few sampled commands
};

// One synthetic command, the way the dispatcher will stamp it.
void RunCommand(int i, const Args& a, const SpanContext* parent, ThreadResult* out) {
  static thread_local CommandTrace trace;  // reused per connection, like the server does
  int64_t t0 = MonotonicNanos();
  bool sampled = trace.Start(parent);
  std::string key = a.binary_key ? std::string("bin\0\xff\xfe:", 7) + std::to_string(i)
                                 : "user:" + std::to_string(i);
  const bool is_set = i % 2 == 0;
  std::vector<std::string_view> argv;
  if (is_set) {
    argv = {"SET", key, "{\"name\":\"Alice\"}"};
  } else {
    argv = {"GET", key};
  }
  static constexpr uint16_t kKeys[] = {1};
  trace.Stamp(Step::kRespParse);
  trace.Stamp(Step::kDispatch);
  trace.SetCommand(argv, kKeys, is_set ? "SET" : "GET");
  trace.SetClient(1000 + i, 0, "127.0.0.1", 40000 + (i % 1000));
  trace.SetReplication(ReplicationRole::kPrimary, 4096 + i);
  {
    ActiveTraceScope active(trace);
    { StepScope lookup(Step::kIndexLookup); }
    if (is_set) {
      {
        StepScope write(Step::kStorageWrite);
        write.SetTier(Tier::kMutable);
        write.SetBytes(16);
      }
      {
        StepScope epoch(Step::kEpochAdvance);
        epoch.SetEpoch(42);
      }
      StepScope aof(Step::kAofAppend);
    } else {
      {
        StepScope miss(Step::kStorageRead);
        miss.SetTier(Tier::kMutable);
        miss.SetCacheHit(false);
      }
      StepScope hit(Step::kStorageRead);
      hit.SetTier(Tier::kReadOnly);
      hit.SetCacheHit(true);
      hit.SetBytes(1234);
    }
  }
  trace.Stamp(Step::kExecute);
  if (a.error_every > 0 && i % a.error_every == a.error_every - 1) {
    trace.SetError("WRONGTYPE Operation against a key holding the wrong kind of value");
  } else {
    trace.SetResult(is_set ? "OK" : "NIL");
  }
  trace.Stamp(Step::kResponseSerialize);
  trace.Stamp(Step::kTcpWrite);
  if (sampled && out->first_ids.size() < 5) {
    SpanContext c = trace.context();
    char tp[55];
    FormatTraceparent(c.trace_id, c.span_id, c.trace_flags, tp);
    out->first_ids.emplace_back(tp, 55);
  }
  trace.Finish();
  out->sampled += sampled;
  out->max_record_ns = std::max(out->max_record_ns, MonotonicNanos() - t0);
}

int Main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (f == "--config")
      a.config = next();
    else if (f == "--dump-config")
      a.dump = true;
    else if (f == "--commands")
      a.commands = std::atoi(next().c_str());
    else if (f == "--threads")
      a.threads = std::atoi(next().c_str());
    else if (f == "--traceparent")
      a.traceparent = next();
    else if (f == "--tracestate")
      a.tracestate = next();
    else if (f == "--error-every")
      a.error_every = std::atoi(next().c_str());
    else if (f == "--background")
      a.background = true;
    else if (f == "--binary-key")
      a.binary_key = true;
    else if (f == "--flush-ms")
      a.flush_ms = std::atoi(next().c_str());
    else if (f == "--shutdown-ms")
      a.shutdown_ms = std::atoi(next().c_str());
    else if (f == "--no-flush")
      a.flush = false;
    else {
      std::fprintf(stderr, "unknown flag %s\n", f.c_str());
      return 2;
    }
  }

  TelemetryConfig cfg;
  cfg.enabled = true;
  Provenance prov;
  if (!a.config.empty()) {
    try {
      toml::table root = toml::parse_file(a.config);
      if (const toml::table* t = root["telemetry"].as_table()) {
        Status st = ParseTelemetryTable(*t, &cfg, &prov);
        if (!st.ok()) {
          std::fprintf(stderr, "config error: %s\n", std::string(st.message()).c_str());
          return 2;
        }
      }
    } catch (const toml::parse_error& e) {
      std::fprintf(stderr, "config parse error: %s\n", e.what());
      return 2;
    }
  }
  ApplyOtelEnvironment(&cfg, &prov, [](const char* n) { return std::getenv(n); });
  for (const std::string& w : cfg.warnings) std::fprintf(stderr, "config warning: %s\n", w.c_str());
  if (a.dump) {
    std::cout << DumpTelemetryToml(cfg, prov);
    return 0;
  }

  TelemetryRuntime::Options opts;
  opts.retry.initial_backoff = std::chrono::milliseconds(100);
  opts.retry.max_backoff = std::chrono::milliseconds(1000);
  auto started = TelemetryRuntime::Start(cfg, opts);
  if (!started) {
    std::fprintf(stderr, "start failed: %s\n", std::string(started.error().message()).c_str());
    return 3;
  }
  std::unique_ptr<TelemetryRuntime> rt = std::move(*started);

  std::optional<SpanContext> parent;
  if (!a.traceparent.empty()) {
    parent = ParseTraceparent(a.traceparent);  // invalid => nullopt => new trace, as W3C says
    if (parent && !a.tracestate.empty()) parent->trace_state.Assign(a.tracestate);
  }

  std::vector<ThreadResult> results(a.threads);
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < a.threads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < a.commands; i += a.threads)
        RunCommand(i, a, parent ? &*parent : nullptr, &results[t]);
      if (a.background && t == 0) {
        ScopedSpan checkpoint(semconv::kSpanCheckpoint);
        checkpoint.SetInt(semconv::kStorageEpoch, 42);
        SpanContext ctx = checkpoint.context();
        ScopedSpan flush(semconv::kSpanPageFlush, &ctx);
        flush.SetInt(semconv::kStorageBytes, 1 << 20);
        flush.SetString(semconv::kStorageTier, "read_only");
        ScopedSpan rewrite(semconv::kSpanAofRewrite);
        rewrite.SetError("No space left on device");
      }
    });
  }
  for (auto& th : threads) th.join();
  double record_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  bool flushed = a.flush ? rt->ForceFlush(std::chrono::milliseconds(a.flush_ms)) : false;
  auto s0 = std::chrono::steady_clock::now();
  rt->Shutdown(std::chrono::milliseconds(a.shutdown_ms));
  double shutdown_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count();
  TelemetryStats st = rt->Stats();

  int sampled = 0;
  int64_t max_record_ns = 0;
  std::string ids;
  for (const auto& r : results) {
    sampled += r.sampled;
    max_record_ns = std::max(max_record_ns, r.max_record_ns);
    for (const auto& id : r.first_ids) ids += (ids.empty() ? "\"" : ",\"") + id + "\"";
  }
  std::printf(
      "{\"sampled\":%d,\"exported\":%llu,\"dropped\":%llu,\"failed\":%llu,\"records_dropped\":%llu,"
      "\"requests\":%llu,\"retries\":%llu,\"queue\":%llu,\"flushed\":%s,\"record_ms\":%.3f,"
      "\"max_record_us\":%.3f,\"shutdown_ms\":%.3f,\"traceparents\":[%s]}\n",
      sampled, (unsigned long long)st.spans_exported, (unsigned long long)st.spans_dropped,
      (unsigned long long)st.spans_failed, (unsigned long long)st.records_dropped,
      (unsigned long long)st.export_requests, (unsigned long long)st.export_retries,
      (unsigned long long)st.queue_length, flushed ? "true" : "false", record_ms,
      max_record_ns / 1000.0, shutdown_ms, ids.c_str());
  return 0;
}

}  // namespace
}  // namespace ferrite::telemetry

int main(int argc, char** argv) { return ferrite::telemetry::Main(argc, argv); }
