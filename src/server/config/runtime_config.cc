#include "server/config/runtime_config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "base/size_parse.h"
#include "base/string_util.h"
#include "server/config/config.h"

namespace ferrite::server::config {

namespace {

// ---- Parameter table: Redis names over Config members ----

using Getter = std::string (*)(const Config&);
// Parses and stores `value`; on failure sets *err to Redis's reason and returns false.
using Setter = bool (*)(Config&, std::string_view value, std::string* err);

struct Param {
  std::string_view name;
  std::string_view key;  // the ferrite.toml key it is stored in
  bool immutable;
  Getter get;
  Setter set;
};

std::string BoundsError(long long min, long long max) {
  return "argument must be between " + std::to_string(min) + " and " + std::to_string(max) +
         " inclusive";
}

bool SetInteger(int64_t* out, std::string_view v, long long min, long long max, std::string* err) {
  int64_t n;
  if (!String2ll(v, &n)) {
    *err = "argument couldn't be parsed into an integer";
    return false;
  }
  if (n < min || n > max) {
    *err = BoundsError(min, max);
    return false;
  }
  *out = n;
  return true;
}

bool SetMemory(uint64_t* out, std::string_view v, uint64_t min, uint64_t max, std::string* err) {
  auto n = ParseMemorySize(v);
  if (!n) {
    *err = "argument must be a memory value";
    return false;
  }
  if (*n < min || *n > max) {
    *err = "argument must be between " + std::to_string(min) + " and " + std::to_string(max) +
           " inclusive";
    return false;
  }
  *out = *n;
  return true;
}

bool SetYesNo(bool* out, std::string_view v, std::string* err) {
  if (EqualsIgnoreCase(v, "yes")) {
    *out = true;
  } else if (EqualsIgnoreCase(v, "no")) {
    *out = false;
  } else {
    *err = "argument must be 'yes' or 'no'";
    return false;
  }
  return true;
}

bool SetEnum(std::string* out, std::string_view v, std::span<const std::string_view> choices,
             std::string* err) {
  for (std::string_view c : choices) {
    if (EqualsIgnoreCase(v, c)) {
      *out = std::string(c);
      return true;
    }
  }
  *err = "argument(s) must be one of the following: ";
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) *err += ", ";
    *err += choices[i];
  }
  return false;
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

constexpr std::string_view kPolicies[] = {"volatile-lru",   "volatile-lfu", "volatile-random",
                                          "volatile-ttl",   "allkeys-lru",  "allkeys-lfu",
                                          "allkeys-random", "noeviction"};
constexpr std::string_view kAofSync[] = {"everysec", "always", "no"};
// Ferrite's levels plus Redis's names for them (warning, notice, verbose).
constexpr std::string_view kLogLevels[] = {"error", "warn",    "info",   "debug",
                                           "trace", "warning", "notice", "verbose"};

bool SetLogLevel(Config& c, std::string_view v, std::string* err) {
  std::string level;
  if (!SetEnum(&level, v, kLogLevels, err)) return false;
  if (level == "warning") level = "warn";
  if (level == "notice") level = "info";
  if (level == "verbose") level = "debug";
  c.logging.level = level;
  return true;
}

// Redis's "save" is a list of "<seconds> <changes>" pairs. Ferrite checkpoints on a timer when
// anything changed, so the shortest period is kept: "save 900 1 300 10" checkpoints every 300 s.
bool SetSave(Config& c, std::string_view v, std::string* err) {
  std::vector<int64_t> numbers;
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && v[i] == ' ') ++i;
    size_t start = i;
    while (i < v.size() && v[i] != ' ') ++i;
    if (i == start) break;
    int64_t n;
    if (!String2ll(v.substr(start, i - start), &n) || n < 0) {
      *err = "Invalid save parameters";
      return false;
    }
    numbers.push_back(n);
  }
  if (numbers.size() % 2 != 0) {
    *err = "Invalid save parameters";
    return false;
  }
  int64_t interval = 0;
  for (size_t k = 0; k < numbers.size(); k += 2) {
    if (numbers[k] > INT32_MAX) {
      *err = "Invalid save parameters";
      return false;
    }
    if (interval == 0 || numbers[k] < interval) interval = numbers[k];
  }
  c.persistence.checkpoint_interval = interval;
  return true;
}

std::string GetSave(const Config& c) {
  int64_t n = c.persistence.checkpoint_interval;
  return n > 0 ? std::to_string(n) + " 1" : "";
}

std::string GetDir(const Config& c) {
  std::error_code ec;
  auto path = std::filesystem::absolute(c.storage.dir, ec);
  return ec ? c.storage.dir : path.lexically_normal().string();
}

bool SetObuf(Config& c, std::string_view v, std::string* err) {
  OutputBufferLimits limits;
  std::string ignored;
  ParseOutputBufferLimits(c.server.client_output_buffer_limit, &limits, &ignored);
  if (!ParseOutputBufferLimits(v, &limits, err)) return false;
  c.server.client_output_buffer_limit = FormatOutputBufferLimitsForToml(limits);
  return true;
}

std::string GetObuf(const Config& c) {
  OutputBufferLimits limits;
  std::string ignored;
  ParseOutputBufferLimits(c.server.client_output_buffer_limit, &limits, &ignored);
  return FormatOutputBufferLimitsForRedis(limits);
}

bool SetHz(Config& c, std::string_view v, std::string* err) {
  int64_t n;
  if (!SetInteger(&n, v, 0, INT_MAX, err)) return false;
  // Redis accepts any non-negative value and clamps it to its working range.
  c.server.hz = std::clamp<int64_t>(n, 1, 500);
  return true;
}

bool Unsettable(Config&, std::string_view, std::string*) { return false; }

#define GET(expr) [](const Config& c) -> std::string { return expr; }
#define SET(body) [](Config& c, std::string_view v, std::string* err) -> bool { body }

// clang-format off
const Param kParams[] = {
  {"maxmemory", "storage.max_memory", false, GET(std::to_string(c.storage.max_memory)), SET(return SetMemory(&c.storage.max_memory, v, 0, UINT64_MAX, err);)},
  {"maxmemory-policy", "storage.maxmemory_policy", false, GET(c.storage.maxmemory_policy), SET(return SetEnum(&c.storage.maxmemory_policy, v, kPolicies, err);)},
  {"appendonly", "persistence.aof_enabled", false, GET(YesNo(c.persistence.aof_enabled)), SET(return SetYesNo(&c.persistence.aof_enabled, v, err);)},
  {"appendfsync", "persistence.aof_sync", false, GET(c.persistence.aof_sync), SET(return SetEnum(&c.persistence.aof_sync, v, kAofSync, err);)},
  {"appendfilename", "persistence.aof_filename", true, GET(c.persistence.aof_filename), Unsettable},
  {"auto-aof-rewrite-percentage", "persistence.auto_aof_rewrite_percentage", false, GET(std::to_string(c.persistence.auto_aof_rewrite_percentage)), SET(return SetInteger(&c.persistence.auto_aof_rewrite_percentage, v, 0, INT_MAX, err);)},
  {"auto-aof-rewrite-min-size", "persistence.auto_aof_rewrite_min_size", false, GET(std::to_string(c.persistence.auto_aof_rewrite_min_size)), SET(return SetMemory(&c.persistence.auto_aof_rewrite_min_size, v, 0, LLONG_MAX, err);)},
  {"save", "persistence.checkpoint_interval", false, GetSave, SetSave},
  {"dir", "storage.dir", true, GetDir, Unsettable},
  {"port", "server.port", true, GET(std::to_string(c.server.port)), Unsettable},
  {"bind", "server.bind", true, GET(c.server.bind), Unsettable},
  {"databases", "storage.databases", true, GET(std::to_string(c.storage.databases)), Unsettable},
  {"io-threads", "server.threads", true, GET(std::to_string(c.server.threads)), Unsettable},
  {"timeout", "server.timeout", false, GET(std::to_string(c.server.timeout)), SET(return SetInteger(&c.server.timeout, v, 0, INT_MAX, err);)},
  {"tcp-keepalive", "server.tcp_keepalive", false, GET(std::to_string(c.server.tcp_keepalive)), SET(return SetInteger(&c.server.tcp_keepalive, v, 0, INT_MAX, err);)},
  {"maxclients", "server.max_connections", false, GET(std::to_string(c.server.max_connections)), SET(return SetInteger(&c.server.max_connections, v, 1, UINT_MAX, err);)},
  {"hz", "server.hz", false, GET(std::to_string(c.server.hz)), SetHz},
  {"proto-max-bulk-len", "server.proto_max_bulk_len", false, GET(std::to_string(c.server.proto_max_bulk_len)), SET(return SetMemory(&c.server.proto_max_bulk_len, v, 1024 * 1024, LONG_MAX, err);)},
  {"client-query-buffer-limit", "server.client_query_buffer_limit", false, GET(std::to_string(c.server.client_query_buffer_limit)), SET(return SetMemory(&c.server.client_query_buffer_limit, v, 1024 * 1024, LONG_MAX, err);)},
  {"client-output-buffer-limit", "server.client_output_buffer_limit", false, GetObuf, SetObuf},
  {"slowlog-log-slower-than", "logging.slowlog_log_slower_than", false, GET(std::to_string(c.logging.slowlog_log_slower_than)), SET(return SetInteger(&c.logging.slowlog_log_slower_than, v, -1, LLONG_MAX, err);)},
  {"slowlog-max-len", "logging.slowlog_max_len", false, GET(std::to_string(c.logging.slowlog_max_len)), SET(return SetInteger(&c.logging.slowlog_max_len, v, 0, LONG_MAX, err);)},
  {"loglevel", "logging.level", false, GET(c.logging.level), SetLogLevel},
  {"logfile", "logging.output", true, GET(c.logging.output), Unsettable},
  // Runtime-only (no ferrite.toml key): Redis's encoding thresholds and their 6.x aliases.
  {"hash-max-listpack-entries", "", false, GET(std::to_string(c.encoding.hash_max_listpack_entries)), SET(return SetInteger(&c.encoding.hash_max_listpack_entries, v, 0, LONG_MAX, err);)},
  {"hash-max-ziplist-entries", "", false, GET(std::to_string(c.encoding.hash_max_listpack_entries)), SET(return SetInteger(&c.encoding.hash_max_listpack_entries, v, 0, LONG_MAX, err);)},
  {"hash-max-listpack-value", "", false, GET(std::to_string(c.encoding.hash_max_listpack_value)), SET(return SetInteger(&c.encoding.hash_max_listpack_value, v, 0, LONG_MAX, err);)},
  {"hash-max-ziplist-value", "", false, GET(std::to_string(c.encoding.hash_max_listpack_value)), SET(return SetInteger(&c.encoding.hash_max_listpack_value, v, 0, LONG_MAX, err);)},
  {"set-max-intset-entries", "", false, GET(std::to_string(c.encoding.set_max_intset_entries)), SET(return SetInteger(&c.encoding.set_max_intset_entries, v, 0, LONG_MAX, err);)},
  {"zset-max-listpack-entries", "", false, GET(std::to_string(c.encoding.zset_max_listpack_entries)), SET(return SetInteger(&c.encoding.zset_max_listpack_entries, v, 0, LONG_MAX, err);)},
  {"zset-max-ziplist-entries", "", false, GET(std::to_string(c.encoding.zset_max_listpack_entries)), SET(return SetInteger(&c.encoding.zset_max_listpack_entries, v, 0, LONG_MAX, err);)},
  {"zset-max-listpack-value", "", false, GET(std::to_string(c.encoding.zset_max_listpack_value)), SET(return SetInteger(&c.encoding.zset_max_listpack_value, v, 0, LONG_MAX, err);)},
  {"zset-max-ziplist-value", "", false, GET(std::to_string(c.encoding.zset_max_listpack_value)), SET(return SetInteger(&c.encoding.zset_max_listpack_value, v, 0, LONG_MAX, err);)},
  {"list-max-listpack-size", "", false, GET(std::to_string(c.encoding.list_max_listpack_size)), SET(return SetInteger(&c.encoding.list_max_listpack_size, v, INT_MIN, INT_MAX, err);)},
  {"list-max-ziplist-size", "", false, GET(std::to_string(c.encoding.list_max_listpack_size)), SET(return SetInteger(&c.encoding.list_max_listpack_size, v, INT_MIN, INT_MAX, err);)},
  {"hll-sparse-max-bytes", "", false, GET(std::to_string(c.encoding.hll_sparse_max_bytes)), SET(return SetInteger(&c.encoding.hll_sparse_max_bytes, v, 0, LONG_MAX, err);)},
  {"rdb-key-save-delay", "", false, GET(std::to_string(c.runtime_only.rdb_key_save_delay)), SET(return SetInteger(&c.runtime_only.rdb_key_save_delay, v, INT_MIN, INT_MAX, err);)},
  {"repl-ping-replica-period", "", false, GET(std::to_string(c.runtime_only.repl_ping_replica_period)), SET(return SetInteger(&c.runtime_only.repl_ping_replica_period, v, 1, INT_MAX, err);)},
  {"repl-ping-slave-period", "", false, GET(std::to_string(c.runtime_only.repl_ping_replica_period)), SET(return SetInteger(&c.runtime_only.repl_ping_replica_period, v, 1, INT_MAX, err);)},
  {"replica-read-only", "", false, GET(YesNo(c.runtime_only.replica_read_only)), SET(return SetYesNo(&c.runtime_only.replica_read_only, v, err);)},
  {"slave-read-only", "", false, GET(YesNo(c.runtime_only.replica_read_only)), SET(return SetYesNo(&c.runtime_only.replica_read_only, v, err);)},
  {"aof-use-rdb-preamble", "", false, GET(YesNo(c.runtime_only.aof_use_rdb_preamble)), SET(return SetYesNo(&c.runtime_only.aof_use_rdb_preamble, v, err);)},
  {"list-compress-depth", "", false, GET(std::to_string(c.encoding.list_compress_depth)), SET(return SetInteger(&c.encoding.list_compress_depth, v, 0, INT_MAX, err);)},
};
// clang-format on

#undef GET
#undef SET

const Param* FindParam(std::string_view name) {
  for (const Param& p : kParams) {
    if (EqualsIgnoreCase(p.name, name)) return &p;
  }
  return nullptr;
}

Status ErrFailed(std::string_view name, std::string_view reason) {
  return Status::InvalidArgument("ERR CONFIG SET failed (possibly related to argument '" +
                                 std::string(name) + "') - " + std::string(reason));
}

template <typename E>
E EnumIndex(std::string_view value, std::span<const std::string_view> names, E fallback) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == value) return E(i);
  }
  return fallback;
}

void ApplyLogLevel(const Config& c) {
  auto level = log::ParseLevel(c.logging.level).value_or(log::Level::kInfo);
  auto filter = log::Filter::Parse(c.logging.env_directives, level);
  log::Global().SetFilter(filter ? std::move(filter).value() : log::Filter(level));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The key a "key = value" line assigns, or "" for other lines.
std::string_view LineKey(std::string_view line) {
  line = Trim(line);
  if (line.empty() || line[0] == '#' || line[0] == '[') return {};
  size_t eq = line.find('=');
  if (eq == std::string_view::npos) return {};
  return Trim(line.substr(0, eq));
}

// The table a "[name]" line opens, or "" for other lines.
std::string_view LineSection(std::string_view line) {
  line = Trim(line);
  if (line.size() < 2 || line[0] != '[') return {};
  size_t end = line.find(']');
  if (end == std::string_view::npos) return {};
  std::string_view name = line.substr(1, end - 1);
  if (!name.empty() && name[0] == '[') name.remove_prefix(1);  // [[array]]
  return Trim(name);
}

}  // namespace

RuntimeConfig::RuntimeConfig(const Config& initial)
    : config_(std::make_unique<Config>(initial)), defaults_(std::make_unique<Config>()) {
  std::lock_guard<std::mutex> lock(mu_);
  Publish(*config_);
}

RuntimeConfig::~RuntimeConfig() = default;

std::vector<std::string_view> RuntimeConfig::ParameterNames() {
  std::vector<std::string_view> names;
  for (const Param& p : kParams) names.push_back(p.name);
  return names;
}

void RuntimeConfig::Publish(const Config& c) {
  maxmemory_.store(c.storage.max_memory, std::memory_order_relaxed);
  maxmemory_policy_.store(
      EnumIndex(c.storage.maxmemory_policy, kPolicies, MaxmemoryPolicy::kNoEviction),
      std::memory_order_relaxed);
  slowlog_log_slower_than_.store(c.logging.slowlog_log_slower_than, std::memory_order_relaxed);
  slowlog_max_len_.store(c.logging.slowlog_max_len, std::memory_order_relaxed);
  proto_max_bulk_len_.store(c.server.proto_max_bulk_len, std::memory_order_relaxed);
  client_query_buffer_limit_.store(c.server.client_query_buffer_limit, std::memory_order_relaxed);
  OutputBufferLimits limits;
  std::string ignored;
  ParseOutputBufferLimits(c.server.client_output_buffer_limit, &limits, &ignored);
  for (int i = 0; i < kClientClassCount; ++i) {
    obuf_[i].hard.store(limits.limits[i].hard, std::memory_order_relaxed);
    obuf_[i].soft.store(limits.limits[i].soft, std::memory_order_relaxed);
    obuf_[i].soft_seconds.store(limits.limits[i].soft_seconds, std::memory_order_relaxed);
  }
  timeout_.store(c.server.timeout, std::memory_order_relaxed);
  tcp_keepalive_.store(c.server.tcp_keepalive, std::memory_order_relaxed);
  maxclients_.store(c.server.max_connections, std::memory_order_relaxed);
  hz_.store(c.server.hz, std::memory_order_relaxed);
  appendonly_.store(c.persistence.aof_enabled, std::memory_order_relaxed);
  static constexpr std::string_view kSyncOrder[] = {"always", "everysec", "no"};
  appendfsync_.store(EnumIndex(c.persistence.aof_sync, kSyncOrder, AofSync::kEverySec),
                     std::memory_order_relaxed);
  hash_max_listpack_entries_.store(c.encoding.hash_max_listpack_entries, std::memory_order_relaxed);
  hash_max_listpack_value_.store(c.encoding.hash_max_listpack_value, std::memory_order_relaxed);
  set_max_intset_entries_.store(c.encoding.set_max_intset_entries, std::memory_order_relaxed);
  zset_max_listpack_entries_.store(c.encoding.zset_max_listpack_entries, std::memory_order_relaxed);
  zset_max_listpack_value_.store(c.encoding.zset_max_listpack_value, std::memory_order_relaxed);
  list_max_listpack_size_.store(c.encoding.list_max_listpack_size, std::memory_order_relaxed);
}

std::vector<std::pair<std::string, std::string>> RuntimeConfig::Get(
    std::span<const std::string_view> patterns) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const Param& p : kParams) {
    for (std::string_view pattern : patterns) {
      if (StringMatch(pattern, p.name, /*nocase=*/true)) {
        out.emplace_back(std::string(p.name), p.get(*config_));
        break;
      }
    }
  }
  return out;
}

Status RuntimeConfig::Set(std::string_view name, std::string_view value) {
  std::pair<std::string_view, std::string_view> change{name, value};
  return Set(std::span(&change, 1));
}

Status RuntimeConfig::Set(std::span<const std::pair<std::string_view, std::string_view>> changes) {
  std::lock_guard<std::mutex> set_lock(set_mutex_);
  // Validation order and messages follow Redis's configSetCommand: an unknown name wins over
  // every other error; otherwise the first immutable or duplicate parameter is reported.
  std::vector<const Param*> params;
  std::string_view unknown;
  Status first_error;
  for (const auto& [name, value] : changes) {
    const Param* p = FindParam(name);
    if (p == nullptr) {
      if (unknown.empty()) unknown = name;
      continue;
    }
    if (!first_error.ok() || !unknown.empty()) continue;
    if (p->immutable) {
      first_error = ErrFailed(name, "can't set immutable config");
      continue;
    }
    for (const Param* seen : params) {
      if (seen == p) first_error = ErrFailed(name, "duplicate parameter");
    }
    params.push_back(p);
  }
  if (!unknown.empty()) {
    return Status::InvalidArgument("ERR Unknown option or number of arguments for CONFIG SET - '" +
                                   std::string(unknown) + "'");
  }
  if (!first_error.ok()) return first_error;

  Config old_config = Snapshot();
  Config updated = old_config;
  for (size_t i = 0; i < changes.size(); ++i) {
    std::string err;
    if (!params[i]->set(updated, changes[i].second, &err)) return ErrFailed(params[i]->name, err);
  }
  std::vector<const Param*> changed;
  for (const Param* p : params) {
    if (p->get(updated) != p->get(old_config)) {
      changed.push_back(p);
      if (!p->key.empty()) updated.provenance.Set(p->key, ValueSource::kRuntime);
    }
  }
  if (changed.empty()) return Status::Ok();

  {
    std::lock_guard<std::mutex> lock(mu_);
    *config_ = updated;
    Publish(*config_);
  }
  auto changed_here = [&](const std::vector<std::string>& names) -> const Param* {
    for (const Param* p : changed) {
      if (names.empty()) return p;
      for (const std::string& n : names) {
        if (EqualsIgnoreCase(n, p->name)) return p;
      }
    }
    return nullptr;
  };
  std::vector<ListenerEntry> listeners;
  {
    std::lock_guard<std::mutex> lock(hooks_mutex_);
    listeners = listeners_;
  }
  for (size_t i = 0; i < listeners.size(); ++i) {
    const Param* cause = changed_here(listeners[i].params);
    if (cause == nullptr) continue;
    Status s = listeners[i].listener(updated);
    if (s.ok()) continue;
    // Roll back: restore the values, then let the listeners that applied them apply the old ones.
    {
      std::lock_guard<std::mutex> lock(mu_);
      *config_ = old_config;
      Publish(*config_);
    }
    for (size_t k = 0; k < i; ++k) {
      if (changed_here(listeners[k].params) == nullptr) continue;
      Status undo = listeners[k].listener(old_config);
      if (!undo.ok()) {
        FERRITE_WARN("ferrite::config", "restoring configuration after a failed CONFIG SET: {}",
                     undo.message());
      }
    }
    return ErrFailed(cause->name, s.message());
  }
  for (const Param* p : changed) {
    if (p->name == "loglevel") ApplyLogLevel(updated);
  }
  return Status::Ok();
}

int RuntimeConfig::AddListener(std::vector<std::string> params, Listener listener) {
  std::lock_guard<std::mutex> lock(hooks_mutex_);
  int id = next_listener_id_++;
  listeners_.push_back(ListenerEntry{id, std::move(params), std::move(listener)});
  return id;
}

void RuntimeConfig::RemoveListener(int id) {
  std::lock_guard<std::mutex> lock(hooks_mutex_);
  std::erase_if(listeners_, [id](const ListenerEntry& e) { return e.id == id; });
}

void RuntimeConfig::AddResetStatHandler(ResetStatHandler handler) {
  std::lock_guard<std::mutex> lock(hooks_mutex_);
  reset_handlers_.push_back(std::move(handler));
}

void RuntimeConfig::ResetStats() {
  std::vector<ResetStatHandler> handlers;
  {
    std::lock_guard<std::mutex> lock(hooks_mutex_);
    handlers = reset_handlers_;
  }
  for (const auto& h : handlers) h();
}

Config RuntimeConfig::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return *config_;
}

Status RuntimeConfig::Rewrite() {
  std::lock_guard<std::mutex> set_lock(set_mutex_);
  std::string path = Snapshot().config_file;
  if (path.empty())
    return Status::InvalidArgument("ERR The server is running without a config file");
  return RewriteLocked(path);
}

Status RuntimeConfig::RewriteTo(const std::string& path) {
  std::lock_guard<std::mutex> set_lock(set_mutex_);
  return RewriteLocked(path);
}

Status RuntimeConfig::RewriteLocked(const std::string& path) {
  Config current = Snapshot();
  auto fail = [](int err) {
    return Status::IoError("ERR Rewriting config file: " + std::string(std::strerror(err)));
  };
  std::vector<std::string> lines;
  {
    std::ifstream in(path);
    if (!in && errno != ENOENT) return fail(errno);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
  }
  // Pass 1: update keys already in the file, in place, keeping everything else.
  std::vector<bool> written(Schema().size(), false);
  std::string section;
  for (std::string& line : lines) {
    std::string_view s = LineSection(line);
    if (!s.empty()) {
      section = std::string(s);
      continue;
    }
    std::string_view name = LineKey(line);
    if (name.empty()) continue;
    const KeySpec* key = FindKey(section, name);
    if (key == nullptr) continue;
    size_t index = size_t(key - Schema().data());
    line = std::string(key->name) + " = " + ValueToToml(*key, current);
    written[index] = true;
  }
  // Pass 2: add non-default values that the file lacks, at the end of their section.
  for (const SectionHandler& handler : Sections()) {
    std::vector<std::string> additions;
    for (size_t i = 0; i < Schema().size(); ++i) {
      const KeySpec& key = Schema()[i];
      if (key.section != handler.name || written[i] || SameValue(key, current, *defaults_)) {
        continue;
      }
      additions.push_back(std::string(key.name) + " = " + ValueToToml(key, current));
    }
    if (additions.empty()) continue;
    size_t insert_at = lines.size();
    bool found = false;
    std::string current_section;
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string_view s = LineSection(lines[i]);
      if (s.empty()) continue;
      if (found) {
        insert_at = i;
        break;
      }
      if (s == handler.name) found = true;
    }
    if (!found) {
      if (!lines.empty() && !Trim(lines.back()).empty()) lines.push_back("");
      lines.push_back("[" + std::string(handler.name) + "]");
      insert_at = lines.size();
    } else {
      // Before the blank lines that separate this section from the next one.
      while (insert_at > 0 && insert_at < lines.size() && Trim(lines[insert_at - 1]).empty()) {
        --insert_at;
      }
    }
    lines.insert(lines.begin() + std::ptrdiff_t(insert_at), additions.begin(), additions.end());
  }
  std::string text;
  for (const std::string& line : lines) text += line + "\n";

  // Write a sibling file and rename it over the original, so a crash never leaves half a file.
  std::string tmp = path + ".tmp-rewrite";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(errno);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail(err);
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail(err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail(err);
  }
  return Status::Ok();
}

}  // namespace ferrite::server::config
