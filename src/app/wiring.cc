#include "app/wiring.h"

#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "app/checkpoint_wiring.h"
#include "app/cli/cli.h"
#include "app/debug_reload.h"
#include "app/persistence_commands.h"
#include "base/build_info.h"
#include "base/clock.h"
#include "base/log.h"
#include "commands/families.h"
#include "commands/hll_ops.h"
#include "persistence/aof_format.h"
#include "persistence/aof_writer.h"
#include "persistence/check_aof.h"
#include "persistence/checkpointer.h"
#include "server/config/runtime_config.h"
#include "server/dispatcher.h"
#include "server/registry/command_registry.h"
#include "server/server.h"
#include "server/server_context.h"
#include "storage/hlog/hybrid_log_store.h"
#include "telemetry/metrics/collector.h"
#include "telemetry/metrics/latency_info.h"
#include "telemetry/metrics/metrics.h"
#include "telemetry/metrics/metrics_endpoint.h"
#include "telemetry/metrics/server_source.h"
#if FERRITE_OTEL
#include "telemetry/metrics/otlp_metric_exporter.h"
#endif
#include "telemetry/sdk/diagnostics.h"
#include "telemetry/sdk/telemetry_runtime.h"

namespace ferrite::app {

namespace {

constexpr const char* kTarget = "ferrite::app";

Status RegisterFamilies(server::CommandRegistry& registry) {
  std::vector<std::span<const commands::CommandBinding> (*)()> families(
      commands::AllFamilies().begin(), commands::AllFamilies().end());
  families.push_back(PersistenceFamily);
  for (auto family : families) {
    for (const commands::CommandBinding& b : family()) {
      Status st = registry.SetHandler(b.name, b.handler);
      if (!st.ok()) return st;
    }
  }
  return Status::Ok();
}

// Blocks the signals the main thread waits for before any other thread starts, so they are
// delivered only to sigtimedwait below.
sigset_t BlockSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return set;
}

server::ServerOptions ServerOptionsFrom(const server::config::Config& config) {
  server::ServerOptions o;
  o.bind = config.server.bind;
  o.port = static_cast<uint16_t>(config.server.port);
  o.threads = static_cast<int>(config.server.threads);
  o.max_clients = static_cast<size_t>(config.server.max_connections);
  o.timeout_seconds = static_cast<int>(config.server.timeout);
  o.tcp_keepalive = static_cast<int>(config.server.tcp_keepalive);
  o.limits.query_buffer_limit = config.server.client_query_buffer_limit;
  o.parser_limits.max_bulk_len = static_cast<int64_t>(config.server.proto_max_bulk_len);
  return o;
}

// Starts the trace pipeline when [telemetry] asks for it. A build without the otel feature, or a
// pipeline that cannot start, is logged and Ferrite keeps serving without it.
std::unique_ptr<telemetry::TelemetryRuntime> StartTelemetry(const server::config::Config& config) {
  if (!config.telemetry.enabled || !telemetry::Available()) return nullptr;
  telemetry::SetDiagnosticHandler([](telemetry::DiagLevel level, std::string_view message) {
    switch (level) {
      case telemetry::DiagLevel::kError:
        FERRITE_ERROR("opentelemetry", "{}", message);
        break;
      case telemetry::DiagLevel::kWarn:
        FERRITE_WARN("opentelemetry", "{}", message);
        break;
      case telemetry::DiagLevel::kInfo:
        FERRITE_INFO("opentelemetry", "{}", message);
        break;
      case telemetry::DiagLevel::kDebug:
        FERRITE_DEBUG("opentelemetry", "{}", message);
        break;
    }
  });
  auto runtime = telemetry::TelemetryRuntime::Start(config.telemetry);
  if (!runtime) {
    FERRITE_WARN("ferrite::telemetry", "{}", runtime.error().message());
    return nullptr;
  }
  for (const auto& [key, value] : (*runtime)->InfoFields()) {
    if (key == "otel_endpoint")
      FERRITE_INFO("ferrite::telemetry", "OpenTelemetry traces export to {}", value);
  }
  return std::move(*runtime);
}

// maxmemory 0 means "no limit" in Redis; the HybridLog needs a budget for its in-memory
// regions, so it then takes half of the machine's memory (docs/configuration.md).
uint64_t EngineMaxMemory(uint64_t configured) {
  return configured != 0
             ? configured
             : static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE) / 2;
}

Result<std::unique_ptr<storage::Store>> OpenStore(const server::config::Config& config) {
  storage::HybridLogOptions o;
  o.dir = config.storage.dir;
  o.databases = static_cast<storage::DbIndex>(config.storage.databases);
  o.max_memory = EngineMaxMemory(config.storage.max_memory);
  o.max_disk = config.storage.max_disk;
  o.page_size = static_cast<uint32_t>(config.storage.page_size);
  o.mutable_fraction = config.storage.mutable_fraction;
  if (!storage::ParseMaxMemoryPolicy(config.storage.maxmemory_policy, &o.policy)) {
    return Status::InvalidArgument("storage.maxmemory_policy: unknown policy '" +
                                   config.storage.maxmemory_policy + "'");
  }
  return storage::NewHybridLogStore(o);
}

// Redis's active expiry, on the main thread so no event loop stalls: every 100 ms, while any key
// has an expiry, the store reaps expired records for up to 5 ms (5% of one core at most).
void ActiveExpireCycle(server::ServerContext& context) {
  if (!context.active_expire_enabled.load(std::memory_order_relaxed)) return;
  storage::Store& store = context.store();
  uint64_t expiring = 0;
  for (storage::DbIndex db = 0; db < store.num_databases(); ++db) {
    expiring += store.ExpiringKeyCount(db);
  }
  if (expiring > 0) store.ActiveExpireCycle(5000);
}

int Serve(const server::config::Config& config, sigset_t signals, const char* argv0) {
  auto opened = OpenStore(config);
  if (!opened) {
    FERRITE_ERROR(kTarget, "cannot open the store in '{}': {}", config.storage.dir,
                  opened.error().ToString());
    return 1;
  }
  std::unique_ptr<storage::Store> store = std::move(*opened);
  auto registry = server::CommandRegistry::Create();
  if (!registry) {
    FERRITE_ERROR(kTarget, "command registry: {}", registry.error().ToString());
    return 1;
  }
  if (Status st = RegisterFamilies(**registry); !st.ok()) {
    FERRITE_ERROR(kTarget, "registering commands: {}", st.ToString());
    return 1;
  }
  server::config::RuntimeConfig runtime(config);
  server::ServerContext context(store.get(), registry->get(), storage::SystemClockMs);
  context.set_runtime_config(&runtime);
  context.executable = argv0;
  context.config_file = config.config_file;
  context.hz = static_cast<int>(config.server.hz);
  context.max_clients = static_cast<size_t>(config.server.max_connections);
  context.max_memory = config.storage.max_memory;
  context.maxmemory_policy = config.storage.maxmemory_policy;
  runtime.AddResetStatHandler([&context] { context.stats().Reset(); });
  // CONFIG SET maxmemory resizes the engine's budget; a value too small for its index vetoes it.
  runtime.AddListener({"maxmemory"}, [&store](const server::config::Config& c) {
    return store->SetMaxMemory(EngineMaxMemory(c.storage.max_memory));
  });

  std::unique_ptr<telemetry::TelemetryRuntime> telemetry_runtime = StartTelemetry(config);
  context.AddInfoSection({"telemetry", true, [&](server::ServerContext&, std::string* out) {
                            auto fields = telemetry_runtime ? telemetry_runtime->InfoFields()
                                                            : telemetry::InactiveInfoFields();
                            for (const auto& [k, v] : fields) *out += k + ":" + v + "\r\n";
                          }});

  UpdateCoarseClock();

  // Metrics: one registry behind /metrics and the OTLP push (docs/telemetry.md, "Metrics").
  namespace metrics = telemetry::metrics;
  metrics::Configure((*registry)->size());
  metrics::SetRecordingEnabled(config.metrics.enabled ||
                               (config.telemetry.enabled && config.telemetry.metrics_enabled));
  metrics::Collector metrics_collector(metrics::CommandLabels(**registry));
  metrics_collector.AddSource(metrics::ServerSource(context));
  // INFO latencystats reads the same per-command histograms (empty while recording is off).
  std::vector<std::string> latency_names((*registry)->size());
  for (uint32_t id = 0; id < (*registry)->size(); ++id) {
    const server::CommandSpec& spec = (*registry)->ById(id);
    if (spec.id < latency_names.size()) latency_names[spec.id] = std::string(spec.name);
  }
  context.AddInfoSection(
      {"latencystats", false,
       [names = std::move(latency_names)](server::ServerContext&, std::string* out) {
         metrics::AppendLatencyStats(names, metrics::kInfoPercentiles, out);
       }});
  runtime.AddResetStatHandler([] { metrics::ResetHistograms(); });
  commands::hll::SetSparseMaxBytes(static_cast<size_t>(config.encoding.hll_sparse_max_bytes));
  runtime.AddListener({"hll-sparse-max-bytes"}, [](const server::config::Config& c) {
    commands::hll::SetSparseMaxBytes(static_cast<size_t>(c.encoding.hll_sparse_max_bytes));
    return Status::Ok();
  });
  std::unique_ptr<metrics::MetricsEndpoint> metrics_endpoint;
  if (config.metrics.enabled) {
    auto endpoint =
        metrics::MetricsEndpoint::Start({.bind = config.metrics.bind,
                                         .port = static_cast<uint16_t>(config.metrics.port),
                                         .scheme = config.telemetry.semconv},
                                        &metrics_collector);
    if (!endpoint) {
      FERRITE_ERROR(kTarget, "metrics endpoint: {}", endpoint.error().ToString());
      return 1;
    }
    metrics_endpoint = std::move(*endpoint);
  }
#if FERRITE_OTEL
  std::unique_ptr<metrics::OtlpMetricExporter> metrics_exporter;
  if (config.telemetry.enabled && config.telemetry.metrics_enabled) {
    std::vector<std::string> warnings;
    auto options = metrics::OtlpMetricExporter::OptionsFrom(
        config.telemetry, kVersion, [](const char* n) { return std::getenv(n); }, &warnings);
    for (const std::string& w : warnings) FERRITE_WARN("ferrite::telemetry", "{}", w);
    auto exporter =
        metrics::OtlpMetricExporter::Start(config.telemetry, kVersion, options, &metrics_collector);
    if (exporter) {
      metrics_exporter = std::move(*exporter);
    } else {
      FERRITE_WARN("ferrite::telemetry", "OTLP metrics: {}", exporter.error().message());
    }
  }
#endif

  server::Dispatcher dispatcher(context);

  // Durability: replay the AOF first (with no sink, so replay does not append to the file it
  // reads), then attach the writer. It exists even when the AOF is off, so CONFIG SET
  // appendonly yes works.
  // Recovery: the newest valid checkpoint, then the AOF written since (checkpoint_wiring.h).
  auto recovered = RecoverData(config, dispatcher, *store);
  if (!recovered) {
    FERRITE_ERROR(kTarget, "{}", recovered.error().message());
    return 1;
  }
  persistence::AofOptions aof_options;
  aof_options.dir = config.storage.dir;
  aof_options.filename = config.persistence.aof_filename;
  aof_options.sync = runtime.appendfsync();
  // Loaded from a checkpoint with the AOF on but absent: the AOF is created by a rewrite of the
  // loaded data (below), as CONFIG SET appendonly yes does.
  aof_options.enabled = config.persistence.aof_enabled && !recovered->aof_needs_rebuild;
  aof_options.auto_rewrite_percentage = config.persistence.auto_aof_rewrite_percentage;
  aof_options.auto_rewrite_min_size = config.persistence.auto_aof_rewrite_min_size;
  auto aof = persistence::AofWriter::Open(aof_options, store.get(), &dispatcher.key_locks());
  if (!aof) {
    FERRITE_ERROR(kTarget, "cannot open the append-only file: {}", aof.error().ToString());
    return 1;
  }
  persistence::AofWriter* aof_writer = aof.value().get();
  dispatcher.set_propagation_sink(aof_writer);
  if (recovered->aof_needs_rebuild) (void)aof_writer->SetEnabled(true);
  persistence::CheckpointOptions checkpoint_options;
  checkpoint_options.dir = config.storage.dir;
  checkpoint_options.interval_sec = config.persistence.checkpoint_interval;
  checkpoint_options.changes = [&context] { return context.dirty.load(); };
  persistence::Checkpointer checkpointer(checkpoint_options, store.get(), &dispatcher.key_locks(),
                                         aof_writer);
  SetCheckpointTarget(&checkpointer);
  InstallDebugReload(context, dispatcher, checkpointer, *aof_writer, config);
  checkpointer.SetKeySaveDelay(config.runtime_only.rdb_key_save_delay);
  runtime.AddListener({"rdb-key-save-delay"}, [&checkpointer](const server::config::Config& c) {
    checkpointer.SetKeySaveDelay(c.runtime_only.rdb_key_save_delay);
    return Status::Ok();
  });
  runtime.AddListener({"save"}, [&checkpointer](const server::config::Config& c) {
    checkpointer.SetInterval(c.persistence.checkpoint_interval);
    return Status::Ok();
  });
  context.AddInfoSection(
      {"persistence", true, [aof_writer, &checkpointer](server::ServerContext& s, std::string* o) {
         persistence::AofWriter::RdbInfo rdb = checkpointer.Info();
         aof_writer->FillInfo(s, o, &rdb);
       }});
  runtime.AddListener(
      {"appendonly", "appendfsync", "auto-aof-rewrite-percentage", "auto-aof-rewrite-min-size"},
      [aof_writer](const server::config::Config& c) { return aof_writer->ApplyConfig(c); });
  SetBgRewriteAofTarget(aof_writer);
  aof_writer->SetSyncDurationHook(
      [](double seconds) { metrics::RecordAofFsync(static_cast<uint64_t>(seconds * 1e9)); });
  server::Server server(context, dispatcher, ServerOptionsFrom(config));
  if (Status st = server.Start(); !st.ok()) {
    FERRITE_ERROR(kTarget, "cannot start serving: {}", st.ToString());
    return 1;
  }
  FERRITE_INFO(kTarget, "Ferrite {} ready to accept connections on {}:{} with {} threads",
               std::string(ferrite::kVersion), config.server.bind, server.port(),
               server.thread_count());

  while (!context.shutdown_requested()) {
    timespec timeout{0, 100 * 1000 * 1000};
    int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (sig == SIGINT || sig == SIGTERM) {
      FERRITE_INFO(kTarget, "received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      context.RequestShutdown();
    } else if (sig == SIGHUP) {
      log::Global().RequestReopen();
    }
    UpdateCoarseClock();
    ActiveExpireCycle(context);
  }
  server.Stop();
  if (metrics_endpoint) metrics_endpoint->Stop();
#if FERRITE_OTEL
  if (metrics_exporter) metrics_exporter->Shutdown(std::chrono::seconds(5));
#endif
  // Redis saves on shutdown when save points are configured (or SHUTDOWN SAVE asks, and not
  // when SHUTDOWN NOSAVE does): a final checkpoint if anything changed since the last one.
  SetCheckpointTarget(nullptr);
  using Save = server::ServerContext::ShutdownSave;
  const Save save = context.shutdown_save.load(std::memory_order_relaxed);
  (void)checkpointer.Shutdown(save == Save::kSave || (save == Save::kConfigured &&
                                                      config.persistence.checkpoint_interval > 0));
  (void)aof_writer->Shutdown();
  SetBgRewriteAofTarget(nullptr);
  if (telemetry_runtime) telemetry_runtime->Shutdown(std::chrono::seconds(5));
  FERRITE_INFO(kTarget, "Ferrite stopped");
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  // `ferrite check-aof [--fix] FILE`: the AOF checker, as redis-check-aof.
  if (argc >= 2 && std::string_view(argv[1]) == "check-aof") {
    std::vector<std::string_view> args(argv + 2, argv + argc);
    return persistence::CheckAofMain(args, std::cout, std::cerr);
  }
  if (argc >= 2 && std::string_view(argv[1]) == "check-checkpoint") {
    std::vector<std::string_view> args(argv + 2, argv + argc);
    return persistence::CheckCheckpointMain(args, std::cout, std::cerr);
  }
  auto getenv = [](const char* name) { return std::getenv(name); };
  auto options = ParseCommandLine(argc, argv);
  if (!options) {
    std::cerr << "ferrite: " << options.error().message() << "\n" << UsageText();
    return 1;
  }
  if (auto code = RunNonServingActions(*options, getenv, std::cout, std::cerr)) return *code;
  auto config = LoadEffectiveConfig(*options, getenv);
  if (!config) {
    std::cerr << "ferrite: " << config.error().message() << "\n";
    return 1;
  }
  // Block the shutdown signals before any thread (the log writer first) starts, so only the
  // main thread's sigtimedwait receives them.
  sigset_t signals = BlockSignals();
  if (Status st = ConfigureLogging(*config); !st.ok()) {
    std::cerr << "ferrite: " << st.message() << "\n";
    return 1;
  }
  int code = Serve(*config, signals, argv[0]);
  log::Shutdown();
  return code;
}

}  // namespace ferrite::app
