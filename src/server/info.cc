#include "server/info.h"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <set>

#include "base/build_info.h"
#include "server/config/runtime_config.h"
#include "server/registry/command_registry.h"
#include "server/server_context.h"

namespace ferrite::server {

namespace {

// The Redis version Ferrite reports for compatibility: clients gate features on it.
constexpr const char* kRedisCompatVersion = "7.0.15";

template <typename V>
void Line(std::string* out, std::string_view key, V value) {
  AppendInfoLine(out, key, value);
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

uint64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t HeapBytes() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

uint64_t TotalSystemMemory() {
  return static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
         static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

void ServerSection(ServerContext& s, std::string* out) {
  static utsname name = [] {
    utsname n{};
    uname(&n);
    return n;
  }();
  int64_t now_ms = s.NowMs();
  int64_t uptime = (now_ms - s.start_time_ms()) / 1000;
  Line(out, "redis_version", kRedisCompatVersion);
  Line(out, "ferrite_version", kVersion);
  Line(out, "redis_git_sha1", "00000000");
  Line(out, "redis_git_dirty", "0");
  Line(out, "redis_build_id", "0");
  Line(out, "redis_mode", "standalone");
  Line(out, "os", std::string(name.sysname) + " " + name.release + " " + name.machine);
  Line(out, "arch_bits", "64");
  Line(out, "monotonic_clock", "POSIX clock_gettime");
  Line(out, "multiplexing_api", "epoll");
  Line(out, "atomicvar_api", "c11-builtin");
  Line(out, "gcc_version",
       std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
           std::to_string(__GNUC_PATCHLEVEL__));
  Line(out, "process_id", static_cast<int64_t>(getpid()));
  Line(out, "process_supervised", "no");
  Line(out, "run_id", s.run_id());
  Line(out, "tcp_port", static_cast<int64_t>(s.tcp_port));
  Line(out, "server_time_usec",
       static_cast<int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count()));
  Line(out, "uptime_in_seconds", uptime);
  Line(out, "uptime_in_days", uptime / 86400);
  Line(out, "hz", static_cast<int64_t>(s.hz));
  Line(out, "configured_hz", static_cast<int64_t>(s.hz));
  Line(out, "lru_clock", static_cast<int64_t>((now_ms / 1000) & ((1 << 24) - 1)));
  Line(out, "executable", s.executable);
  Line(out, "config_file", s.config_file);
  Line(out, "io_threads_active", "0");
}

void ClientsSection(ServerContext& s, std::string* out) {
  size_t max_in = 0, max_out = 0;
  s.clients().ForEach([&](ClientSession& c) {
    max_in = std::max(max_in, c.query_buffer_bytes.load(std::memory_order_relaxed));
    max_out = std::max(max_out, c.output_buffer_bytes.load(std::memory_order_relaxed));
  });
  Line(out, "connected_clients", static_cast<uint64_t>(s.clients().Count()));
  Line(out, "cluster_connections", "0");
  Line(out, "maxclients", static_cast<uint64_t>(s.max_clients));
  Line(out, "client_recent_max_input_buffer", static_cast<uint64_t>(max_in));
  Line(out, "client_recent_max_output_buffer", static_cast<uint64_t>(max_out));
  Line(out, "blocked_clients", static_cast<uint64_t>(s.blocking().blocked_clients()));
  Line(out, "tracking_clients", "0");
  Line(out, "clients_in_timeout_table", "0");
}

void MemorySection(ServerContext& s, std::string* out) {
  storage::StoreStats st = s.store().Stats();
  uint64_t heap = HeapBytes();
  uint64_t used = std::max<uint64_t>(heap, st.memory_used);
  uint64_t rss = RssBytes();
  uint64_t peak = s.RecordMemoryPeak(used);
  uint64_t system = TotalSystemMemory();
  // CONFIG SET maxmemory changes the runtime value (the startup one when no config is attached).
  const config::RuntimeConfig* runtime = s.runtime_config_if_set();
  uint64_t max = runtime != nullptr ? runtime->maxmemory() : s.max_memory;
  Line(out, "used_memory", used);
  Line(out, "used_memory_human", BytesToHuman(used));
  Line(out, "used_memory_rss", rss);
  Line(out, "used_memory_rss_human", BytesToHuman(rss));
  Line(out, "used_memory_peak", peak);
  Line(out, "used_memory_peak_human", BytesToHuman(peak));
  Line(out, "used_memory_peak_perc", Fixed(peak ? 100.0 * used / peak : 0, 2) + "%");
  Line(out, "used_memory_overhead", used - std::min(used, st.memory_used));
  Line(out, "used_memory_startup", s.startup_memory);
  Line(out, "used_memory_dataset", st.memory_used);
  Line(out, "used_memory_dataset_perc", Fixed(used ? 100.0 * st.memory_used / used : 0, 2) + "%");
  Line(out, "total_system_memory", system);
  Line(out, "total_system_memory_human", BytesToHuman(system));
  Line(out, "used_memory_lua", "0");
  Line(out, "used_memory_scripts", "0");
  Line(out, "maxmemory", max);
  Line(out, "maxmemory_human", BytesToHuman(max));
  Line(out, "maxmemory_policy", s.maxmemory_policy);
  Line(out, "mem_fragmentation_ratio", Fixed(used ? static_cast<double>(rss) / used : 0, 2));
  Line(out, "mem_allocator", "libc");
  Line(out, "lazyfree_pending_objects", "0");
}

void StatsSection(ServerContext& s, std::string* out) {
  ServerStats& st = s.stats();
  storage::StoreStats store = s.store().Stats();
  Line(out, "total_connections_received", st.Sum(&ThreadStats::connections_received));
  Line(out, "total_commands_processed", st.Sum(&ThreadStats::commands_processed));
  Line(out, "instantaneous_ops_per_sec", s.instantaneous_ops_per_sec.load());
  Line(out, "total_net_input_bytes", st.Sum(&ThreadStats::net_input_bytes));
  Line(out, "total_net_output_bytes", st.Sum(&ThreadStats::net_output_bytes));
  Line(out, "rejected_connections", st.Sum(&ThreadStats::rejected_connections));
  Line(out, "expired_keys", store.expired_keys);
  Line(out, "evicted_keys", store.evicted_keys);
  Line(out, "evicted_clients", "0");
  Line(out, "keyspace_hits", st.Sum(&ThreadStats::keyspace_hits));
  Line(out, "keyspace_misses", st.Sum(&ThreadStats::keyspace_misses));
  Line(out, "pubsub_channels", static_cast<uint64_t>(s.pubsub().channel_count()));
  Line(out, "pubsub_patterns", static_cast<uint64_t>(s.pubsub().pattern_count()));
  Line(out, "pubsubshard_channels", static_cast<uint64_t>(s.pubsub().shard_channel_count()));
  Line(out, "latest_fork_usec", "0");
  Line(out, "total_forks", "0");
  Line(out, "total_error_replies", st.Sum(&ThreadStats::error_replies));
  Line(out, "client_query_buffer_limit_disconnections",
       st.Sum(&ThreadStats::client_query_buffer_limit_disconnections));
  Line(out, "client_output_buffer_limit_disconnections",
       st.Sum(&ThreadStats::client_output_buffer_limit_disconnections));
}

void ReplicationSection(ServerContext& s, std::string* out) {
  Line(out, "role", "master");
  Line(out, "connected_slaves", "0");
  Line(out, "master_failover_state", "no-failover");
  Line(out, "master_replid", s.run_id());
  Line(out, "master_replid2", "0000000000000000000000000000000000000000");
  Line(out, "master_repl_offset", "0");
  Line(out, "second_repl_offset", "-1");
  Line(out, "repl_backlog_active", "0");
  Line(out, "repl_backlog_size", "1048576");
  Line(out, "repl_backlog_first_byte_offset", "0");
  Line(out, "repl_backlog_histlen", "0");
}

std::string Seconds(const timeval& tv) {
  return Fixed(static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6, 6);
}

void CpuSection(ServerContext&, std::string* out) {
  rusage self{}, children{}, thread{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  Line(out, "used_cpu_sys", Seconds(self.ru_stime));
  Line(out, "used_cpu_user", Seconds(self.ru_utime));
  Line(out, "used_cpu_sys_children", Seconds(children.ru_stime));
  Line(out, "used_cpu_user_children", Seconds(children.ru_utime));
  Line(out, "used_cpu_sys_main_thread", Seconds(thread.ru_stime));
  Line(out, "used_cpu_user_main_thread", Seconds(thread.ru_utime));
}

void ErrorstatsSection(ServerContext& s, std::string* out) {
  for (const auto& [code, count] : s.stats().ErrorCounts()) {
    Line(out, "errorstat_" + code, "count=" + std::to_string(count));
  }
}

void ClusterSection(ServerContext&, std::string* out) { Line(out, "cluster_enabled", "0"); }

void KeyspaceSection(ServerContext& s, std::string* out) {
  storage::Store& store = s.store();
  for (storage::DbIndex db = 0; db < store.num_databases(); ++db) {
    uint64_t keys = store.KeyCount(db);
    if (keys == 0) continue;
    Line(out, "db" + std::to_string(db),
         "keys=" + std::to_string(keys) + ",expires=" + std::to_string(store.ExpiringKeyCount(db)) +
             ",avg_ttl=0");
  }
}

// The storage engine's regions and counters (storage::StoreStats). A read served from the
// mutable region counts as a cache hit.
void HybridlogSection(ServerContext& s, std::string* out) {
  storage::StoreStats st = s.store().Stats();
  uint64_t reads = st.reads_mutable + st.reads_read_only + st.reads_disk;
  Line(out, "hlog_bytes_mutable", st.bytes_mutable);
  Line(out, "hlog_bytes_read_only", st.bytes_read_only);
  Line(out, "hlog_bytes_disk", st.bytes_disk);
  Line(out, "hlog_index_bytes", st.index_bytes);
  Line(out, "hlog_memory_used", st.memory_used);
  Line(out, "hlog_reads_mutable", st.reads_mutable);
  Line(out, "hlog_reads_read_only", st.reads_read_only);
  Line(out, "hlog_reads_disk", st.reads_disk);
  Line(out, "hlog_read_misses", st.read_misses);
  Line(out, "hlog_cache_hit_rate",
       Fixed(reads ? static_cast<double>(st.reads_mutable) / reads : 0.0, 4));
  Line(out, "hlog_pending_reads", st.pending_reads);
  Line(out, "hlog_expired_keys", st.expired_keys);
  Line(out, "hlog_evicted_keys", st.evicted_keys);
  Line(out, "hlog_current_epoch", st.current_epoch);
  Line(out, "hlog_index_buckets", st.index_buckets);
  Line(out, "hlog_index_grows", st.index_grows);
}

void CommandstatsSection(ServerContext& s, std::string* out) {
  const CommandRegistry& registry = s.registry();
  for (uint32_t id = 0; id < registry.size(); ++id) {
    const CommandSpec& spec = registry.ById(id);
    CommandTotals t = s.stats().SumCommand(spec.id);
    if (t.calls == 0 && t.failed_calls == 0 && t.rejected_calls == 0) continue;
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  "calls=%" PRIu64 ",usec=%" PRIu64 ",usec_per_call=%.2f,rejected_calls=%" PRIu64
                  ",failed_calls=%" PRIu64,
                  t.calls, t.usec, t.calls ? static_cast<double>(t.usec) / t.calls : 0.0,
                  t.rejected_calls, t.failed_calls);
    Line(out, "cmdstat_" + std::string(spec.name), buf);
  }
}

struct Builtin {
  const char* name;
  bool in_default;
  void (*fill)(ServerContext&, std::string*);
};

// Redis 7.0's order. "modules" is the (empty) module list section.
constexpr Builtin kBuiltins[] = {
    {"server", true, ServerSection},
    {"clients", true, ClientsSection},
    {"memory", true, MemorySection},
    {"persistence", true, nullptr},  // filled by the AOF writer (persistence/aof_writer.h)
    {"stats", true, StatsSection},
    {"replication", true, ReplicationSection},
    {"cpu", true, CpuSection},
    {"modules", true, nullptr},
    {"errorstats", true, ErrorstatsSection},
    {"cluster", true, ClusterSection},
    {"keyspace", true, KeyspaceSection},
    {"hybridlog", true, HybridlogSection},
    {"commandstats", false, CommandstatsSection},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Title(std::string_view name) {
  std::string out(name);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

}  // namespace

void AppendInfoLine(std::string* out, std::string_view key, std::string_view value) {
  out->append(key);
  out->push_back(':');
  out->append(value);
  out->append("\r\n");
}
void AppendInfoLine(std::string* out, std::string_view key, int64_t value) {
  AppendInfoLine(out, key, std::string_view(std::to_string(value)));
}
void AppendInfoLine(std::string* out, std::string_view key, uint64_t value) {
  AppendInfoLine(out, key, std::string_view(std::to_string(value)));
}

std::string BytesToHuman(uint64_t n) {
  const double d = static_cast<double>(n);
  if (n < 1024) return std::to_string(n) + "B";
  if (n < 1024ULL * 1024) return Fixed(d / 1024, 2) + "K";
  if (n < 1024ULL * 1024 * 1024) return Fixed(d / (1024.0 * 1024), 2) + "M";
  if (n < 1024ULL * 1024 * 1024 * 1024) return Fixed(d / (1024.0 * 1024 * 1024), 2) + "G";
  return Fixed(d / (1024.0 * 1024 * 1024 * 1024), 2) + "T";
}

std::string GenerateInfo(ServerContext& server, std::span<const std::string_view> args) {
  std::set<std::string> wanted;
  bool all = false, everything = false, defaults = args.empty();
  for (std::string_view a : args) {
    std::string name = Lower(a);
    if (name == "default") {
      defaults = true;
    } else if (name == "all") {
      all = true;
    } else if (name == "everything") {
      all = everything = true;
    } else {
      wanted.insert(name);
    }
  }
  auto selected = [&](std::string_view name, bool in_default) {
    return everything || all || (defaults && in_default) || wanted.count(std::string(name)) > 0;
  };

  std::string out;
  auto emit = [&](std::string_view name, const std::function<void(std::string*)>& fill) {
    if (!out.empty()) out.append("\r\n");
    out.append("# ");
    out.append(Title(name));
    out.append("\r\n");
    fill(&out);
  };
  for (const Builtin& b : kBuiltins) {
    // Subsystems may replace a builtin section (e.g. persistence once the AOF exists).
    const InfoSection* replacement = nullptr;
    for (const InfoSection& s : server.info_sections()) {
      if (s.name == b.name) replacement = &s;
    }
    if (!selected(b.name, b.in_default)) continue;
    if (replacement) {
      emit(b.name, [&](std::string* o) { replacement->fill(server, o); });
    } else {
      emit(b.name, [&](std::string* o) {
        if (b.fill) b.fill(server, o);
      });
    }
  }
  for (const InfoSection& s : server.info_sections()) {
    bool builtin = false;
    for (const Builtin& b : kBuiltins) builtin |= s.name == b.name;
    if (builtin || !selected(s.name, s.in_default)) continue;
    emit(s.name, [&](std::string* o) { s.fill(server, o); });
  }
  return out;
}

}  // namespace ferrite::server
