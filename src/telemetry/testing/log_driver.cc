// otel_log_driver: emits project log records (base/log.h) inside and outside sampled command
// traces and exports them with TelemetryRuntime (logs and traces), for the Node tests in
// tests/otel/logs.test.js. Configuration as ferrite reads it: a TOML file's [telemetry] table,
// then the OTEL_* environment.
//
// Usage: otel_log_driver [--config FILE] [--commands N] [--flood N] [--log-file PATH]
//          [--flush-ms MS]
// For each command: a sampled CommandTrace, and inside its ActiveTraceScope a debug record
// "Command executed" (target ferrite::commands::strings) with the dispatcher's fields, carrying
// the span's ids. Then one warn record outside any trace, then --flood records as fast as
// possible (the longest single log call is reported). Prints one JSON line: the commands'
// traceparents, counters and timings. JSON log lines go to --log-file (default stderr).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "base/log.h"
#include "telemetry/api/command_trace.h"
#include "telemetry/config/telemetry_config.h"
#include "telemetry/sdk/telemetry_runtime.h"

namespace ferrite::telemetry {
namespace {

log::TraceContext ToLog(const SpanContext& c) {
  log::TraceContext t;
  if (!c.IsValid()) return t;
  std::copy(c.trace_id.bytes.begin(), c.trace_id.bytes.end(), t.trace_id);
  std::copy(c.span_id.bytes.begin(), c.span_id.bytes.end(), t.span_id);
  t.flags = c.trace_flags;
  return t;
}

int Main(int argc, char** argv) {
  std::string config, log_file = "stderr";
  int commands = 5, flood = 0, flush_ms = 20000;
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (f == "--config") {
      config = next();
    } else if (f == "--commands") {
      commands = std::atoi(next().c_str());
    } else if (f == "--flood") {
      flood = std::atoi(next().c_str());
    } else if (f == "--log-file") {
      log_file = next();
    } else if (f == "--flush-ms") {
      flush_ms = std::atoi(next().c_str());
    } else {
      std::fprintf(stderr, "unknown flag %s\n", f.c_str());
      return 2;
    }
  }

  TelemetryConfig cfg;
  cfg.enabled = true;
  Provenance prov;
  if (!config.empty()) {
    try {
      toml::table root = toml::parse_file(config);
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

  log::Options lo;
  lo.level = log::Level::kDebug;
  lo.format = log::Format::kJson;
  lo.output = log_file;
  if (Status st = log::Configure(lo); !st.ok()) {
    std::fprintf(stderr, "log config: %s\n", std::string(st.message()).c_str());
    return 2;
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

  std::vector<std::string> ids;
  CommandTrace trace;
  for (int i = 0; i < commands; ++i) {
    bool sampled = trace.Start();
    std::string key = "user:" + std::to_string(i);
    std::string_view cmd_argv[] = {"SET", key, "v"};
    static constexpr uint16_t kKeys[] = {1};
    trace.SetCommand(cmd_argv, kKeys, "SET");
    {
      ActiveTraceScope active(trace);
      log::ScopedTraceContext logctx(ToLog(ActiveSpanContext()));
      FERRITE_LOG_FIELDS(log::Level::kDebug, "ferrite::commands::strings", "Command executed",
                         {"command", "SET"}, {"key", key}, {"duration_us", 40 + i},
                         {"result", "OK"}, {"client_addr", "127.0.0.1:50000"});
    }
    trace.SetResult("OK");
    if (sampled) {
      SpanContext c = trace.context();
      char tp[55];
      FormatTraceparent(c.trace_id, c.span_id, c.trace_flags, tp);
      ids.emplace_back(tp, 55);
    }
    trace.Finish();
  }
  FERRITE_WARN("ferrite::server", "no trace here {}", 42);

  int64_t max_call_ns = 0;
  auto f0 = std::chrono::steady_clock::now();
  for (int i = 0; i < flood; ++i) {
    auto c0 = std::chrono::steady_clock::now();
    FERRITE_LOG_FIELDS(log::Level::kInfo, "ferrite::flood", "flood record", {"i", i});
    int64_t ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - c0)
            .count();
    max_call_ns = std::max(max_call_ns, ns);
  }
  double flood_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - f0).count();

  bool flushed = rt->ForceFlush(std::chrono::milliseconds(flush_ms));
  rt->Shutdown(std::chrono::seconds(5));
  TelemetryStats st = rt->Stats();
  log::Shutdown();

  std::string id_list;
  for (const auto& id : ids) id_list += (id_list.empty() ? "\"" : ",\"") + id + "\"";
  std::cout << "{\"ids\":[" << id_list << "],\"flushed\":" << (flushed ? "true" : "false")
            << ",\"logs_exported\":" << st.logs_exported << ",\"logs_dropped\":" << st.logs_dropped
            << ",\"logs_failed\":" << st.logs_failed
            << ",\"logger_dropped\":" << log::Global().dropped()
            << ",\"spans_exported\":" << st.spans_exported << ",\"flood_ms\":" << flood_ms
            << ",\"max_call_us\":" << max_call_ns / 1000.0 << "}" << std::endl;
  return 0;
}

}  // namespace
}  // namespace ferrite::telemetry

int main(int argc, char** argv) { return ferrite::telemetry::Main(argc, argv); }
