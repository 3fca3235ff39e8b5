#pragma once
// ServerContext: the process-wide state command handlers may reach: the store, the command
// registry, the runtime configuration, statistics, the client list, the Pub/Sub and blocking
// registries, and server identity.
//
// Thread safety: created before the event loops start and destroyed after they stop. Members are
// either immutable while serving, internally synchronised (ClientRegistry, the store), or
// per-thread counters summed on read (ServerStats).

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "server/blocking.h"
#include "server/client_registry.h"
#include "server/pubsub.h"
#include "server/server_stats.h"
#include "server/transaction.h"
#include "storage/store.h"

namespace ferrite::server {

class CommandRegistry;
class Dispatcher;
class ServerContext;
namespace config {
class RuntimeConfig;
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] and DEBUG LOADAOF, as ServerContext::debug_reload runs
// them (the app provides it: it owns the checkpointer and the AOF).
struct DebugReloadRequest {
  bool from_aof = false;  // LOADAOF: what a restart would load (checkpoint + AOF tail)
  bool save = true;       // take a checkpoint first (RELOAD without NOSAVE)
  bool flush = true;      // empty every database before loading (RELOAD without NOFLUSH)
  bool merge = false;     // a loaded key replaces an existing one (MERGE)
};

// A section of INFO contributed by a subsystem. `fill` appends "key:value\r\n" lines.
struct InfoSection {
  std::string name;  // lower case, e.g. "hybridlog"; printed capitalised as "# Hybridlog"
  bool in_default = true;
  std::function<void(ServerContext&, std::string*)> fill;
};

class ServerContext {
 public:
  ServerContext(storage::Store* store, const CommandRegistry* registry, storage::ClockFn clock);

  storage::Store& store() { return *store_; }
  const CommandRegistry& registry() const { return *registry_; }
  ServerStats& stats() { return stats_; }
  ClientRegistry& clients() { return clients_; }
  WatchTable& watches() { return watches_; }
  PubSubRegistry& pubsub() { return pubsub_; }
  BlockingRegistry& blocking() { return blocking_; }
  // The dispatcher registers itself; EXEC runs its queued commands through it.
  Dispatcher& dispatcher() { return *dispatcher_; }
  void set_dispatcher(Dispatcher* d) { dispatcher_ = d; }
  // CONFIG GET/SET. Set by the app before serving; tests that need CONFIG set their own.
  config::RuntimeConfig& runtime_config() { return *runtime_config_; }
  config::RuntimeConfig* runtime_config_if_set() { return runtime_config_; }
  void set_runtime_config(config::RuntimeConfig* c) { runtime_config_ = c; }

  // Wall-clock milliseconds: the clock the store uses for expiry, so tests can move time.
  int64_t NowMs() const { return clock_(); }
  const storage::ClockFn& clock() const { return clock_; }

  // Identity for INFO server.
  const std::string& run_id() const { return run_id_; }
  int64_t start_time_ms() const { return start_time_ms_; }
  int tcp_port = 6379;
  std::string config_file;
  std::string executable;
  int hz = 10;
  size_t max_clients = 10000;
  uint64_t max_memory = 0;
  std::string maxmemory_policy = "noeviction";
  uint64_t startup_memory = 0;
  // DEBUG SET-ACTIVE-EXPIRE: the cron skips the active expiry cycle when false.
  std::atomic<bool> active_expire_enabled{true};
  // Updated by the cron from total_commands_processed samples.
  std::atomic<int64_t> instantaneous_ops_per_sec{0};
  // Remembers the highest memory use seen and returns it (INFO used_memory_peak).
  uint64_t RecordMemoryPeak(uint64_t used) {
    uint64_t peak = memory_peak_.load(std::memory_order_relaxed);
    while (used > peak && !memory_peak_.compare_exchange_weak(peak, used)) {
    }
    return std::max(peak, used);
  }

  // SHUTDOWN and signals ask the server to stop; the app's main thread waits on this.
  void RequestShutdown() { shutdown_requested_.store(true, std::memory_order_release); }
  bool shutdown_requested() const { return shutdown_requested_.load(std::memory_order_acquire); }
  // SHUTDOWN SAVE / NOSAVE override the configured save points for the final checkpoint.
  enum class ShutdownSave : uint8_t { kConfigured, kSave, kNoSave };
  std::atomic<ShutdownSave> shutdown_save{ShutdownSave::kConfigured};

  // DEBUG RELOAD / LOADAOF. Called on an event-loop thread with its store session unprotected
  // and no key locks held; returns once the data set is loaded (an error's message is the
  // reply). Unset (tests, no persistence): DEBUG answers that reloading is not available.
  std::function<Status(storage::StoreSession& session, const DebugReloadRequest& request)>
      debug_reload;

  // Redis's "dirty" counter: changes since the last save (INFO persistence).
  std::atomic<int64_t> dirty{0};

  // Adds or replaces (same name) an INFO section. Call before serving starts.
  void AddInfoSection(InfoSection section);
  const std::vector<InfoSection>& info_sections() const { return info_sections_; }

 private:
  storage::Store* store_;
  const CommandRegistry* registry_;
  storage::ClockFn clock_;
  ServerStats stats_;
  ClientRegistry clients_;
  std::string run_id_;
  int64_t start_time_ms_;
  std::atomic<bool> shutdown_requested_{false};
  std::vector<InfoSection> info_sections_;
  config::RuntimeConfig* runtime_config_ = nullptr;
  Dispatcher* dispatcher_ = nullptr;
  WatchTable watches_;
  PubSubRegistry pubsub_;
  BlockingRegistry blocking_;
  std::atomic<uint64_t> memory_peak_{0};
};

}  // namespace ferrite::server
