#pragma once
// RuntimeConfig: the live configuration behind CONFIG GET / SET / REWRITE / RESETSTAT.
//
// It exposes Redis-named parameters (maxmemory, appendfsync, slowlog-log-slower-than, ...) backed
// by the same values as ferrite.toml, answers with Redis 7.0's exact error texts, notifies
// subsystems of changes, and rewrites the file the server started with.
//
// Hot values read on the command path (maxmemory, slowlog threshold, proto-max-bulk-len, query
// and output buffer limits, timeouts) are mirrored in atomics and read lock-free with relaxed
// loads: a command sees either the old or the new value of each, never a torn one.
//
// Thread safety: every method may be called from any thread. Set() and Rewrite() are serialised;
// listeners run on the thread calling Set(), after the new values are visible, without internal
// locks held (so they may call Get() or Snapshot()), and may veto the change by returning an
// error, which restores the previous values (earlier listeners are called again with them).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "server/config/output_buffer_limits.h"

namespace ferrite::server::config {

struct Config;

enum class MaxmemoryPolicy : unsigned char {
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
  kAllkeysLru,
  kAllkeysLfu,
  kAllkeysRandom,
  kNoEviction,
};
enum class AofSync : unsigned char { kAlways, kEverySec, kNo };

// A consistent-enough copy of the encoding thresholds (each field read atomically).
struct EncodingLimits {
  int64_t hash_max_listpack_entries = 128;
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
};

class RuntimeConfig {
 public:
  explicit RuntimeConfig(const Config& initial);
  ~RuntimeConfig();
  RuntimeConfig(const RuntimeConfig&) = delete;
  RuntimeConfig& operator=(const RuntimeConfig&) = delete;

  // CONFIG GET: every parameter matching any of the glob patterns (ASCII case-insensitive), each
  // once, as (name, value) pairs in a stable order.
  std::vector<std::pair<std::string, std::string>> Get(
      std::span<const std::string_view> patterns) const;

  // CONFIG SET name value [name value ...]: all or nothing. Errors carry Redis's full reply
  // text, e.g. "ERR Unknown option or number of arguments for CONFIG SET - 'foo'".
  Status Set(std::span<const std::pair<std::string_view, std::string_view>> changes);
  Status Set(std::string_view name, std::string_view value);

  // CONFIG REWRITE: writes the effective values into the file the server started with, keeping
  // its comments and layout; keys not in the file are added only when they differ from the
  // default. Errors as Redis: "ERR The server is running without a config file",
  // "ERR Rewriting config file: <reason>".
  Status Rewrite();
  // Same, into `path` (which need not exist yet).
  Status RewriteTo(const std::string& path);

  // CONFIG RESETSTAT: runs every handler registered below (server stats, slowlog, ...).
  using ResetStatHandler = std::function<void()>;
  void AddResetStatHandler(ResetStatHandler handler);
  void ResetStats();

  // Calls `listener` after a CONFIG SET that changed any of `params` (Redis names; empty = all).
  // A non-OK status vetoes the change; its message becomes
  // "ERR CONFIG SET failed (possibly related to argument '<param>') - <message>".
  using Listener = std::function<Status(const Config& config)>;
  int AddListener(std::vector<std::string> params, Listener listener);
  void RemoveListener(int id);

  // A consistent copy of every value.
  Config Snapshot() const;

  // ---- Lock-free reads for hot paths ----
  uint64_t maxmemory() const noexcept { return maxmemory_.load(std::memory_order_relaxed); }
  MaxmemoryPolicy maxmemory_policy() const noexcept {
    return maxmemory_policy_.load(std::memory_order_relaxed);
  }
  int64_t slowlog_log_slower_than() const noexcept {
    return slowlog_log_slower_than_.load(std::memory_order_relaxed);
  }
  int64_t slowlog_max_len() const noexcept {
    return slowlog_max_len_.load(std::memory_order_relaxed);
  }
  uint64_t proto_max_bulk_len() const noexcept {
    return proto_max_bulk_len_.load(std::memory_order_relaxed);
  }
  uint64_t client_query_buffer_limit() const noexcept {
    return client_query_buffer_limit_.load(std::memory_order_relaxed);
  }
  OutputBufferLimit output_buffer_limit(ClientClass c) const noexcept {
    const AtomicLimit& l = obuf_[int(c)];
    return {l.hard.load(std::memory_order_relaxed), l.soft.load(std::memory_order_relaxed),
            l.soft_seconds.load(std::memory_order_relaxed)};
  }
  int64_t timeout_seconds() const noexcept { return timeout_.load(std::memory_order_relaxed); }
  int64_t tcp_keepalive() const noexcept { return tcp_keepalive_.load(std::memory_order_relaxed); }
  int64_t maxclients() const noexcept { return maxclients_.load(std::memory_order_relaxed); }
  int64_t hz() const noexcept { return hz_.load(std::memory_order_relaxed); }
  bool appendonly() const noexcept { return appendonly_.load(std::memory_order_relaxed); }
  AofSync appendfsync() const noexcept { return appendfsync_.load(std::memory_order_relaxed); }
  EncodingLimits encoding_limits() const noexcept {
    auto get = [](const std::atomic<int64_t>& a) { return a.load(std::memory_order_relaxed); };
    return {get(hash_max_listpack_entries_), get(hash_max_listpack_value_),
            get(set_max_intset_entries_),    get(zset_max_listpack_entries_),
            get(zset_max_listpack_value_),   get(list_max_listpack_size_)};
  }

  // The Redis parameter names, in CONFIG GET order (for docs and tests).
  static std::vector<std::string_view> ParameterNames();

 private:
  struct AtomicLimit {
    std::atomic<uint64_t> hard{0};
    std::atomic<uint64_t> soft{0};
    std::atomic<int64_t> soft_seconds{0};
  };
  struct ListenerEntry {
    int id;
    std::vector<std::string> params;
    Listener listener;
  };

  void Publish(const Config& config);  // REQUIRES: mu_ held
  Status RewriteLocked(const std::string& path);

  mutable std::mutex mu_;   // guards config_
  std::mutex set_mutex_;    // serialises Set() and Rewrite()
  std::mutex hooks_mutex_;  // guards listeners_ and reset handlers
  std::unique_ptr<Config> config_;
  std::unique_ptr<Config> defaults_;
  std::vector<ListenerEntry> listeners_;
  int next_listener_id_ = 1;
  std::vector<ResetStatHandler> reset_handlers_;

  std::atomic<uint64_t> maxmemory_{0};
  std::atomic<MaxmemoryPolicy> maxmemory_policy_{MaxmemoryPolicy::kNoEviction};
  std::atomic<int64_t> slowlog_log_slower_than_{0};
  std::atomic<int64_t> slowlog_max_len_{0};
  std::atomic<uint64_t> proto_max_bulk_len_{0};
  std::atomic<uint64_t> client_query_buffer_limit_{0};
  AtomicLimit obuf_[kClientClassCount];
  std::atomic<int64_t> timeout_{0};
  std::atomic<int64_t> tcp_keepalive_{0};
  std::atomic<int64_t> maxclients_{0};
  std::atomic<int64_t> hz_{0};
  std::atomic<bool> appendonly_{false};
  std::atomic<AofSync> appendfsync_{AofSync::kEverySec};
  std::atomic<int64_t> hash_max_listpack_entries_{128};
  std::atomic<int64_t> hash_max_listpack_value_{64};
  std::atomic<int64_t> set_max_intset_entries_{512};
  std::atomic<int64_t> zset_max_listpack_entries_{128};
  std::atomic<int64_t> zset_max_listpack_value_{64};
  std::atomic<int64_t> list_max_listpack_size_{-2};
};

}  // namespace ferrite::server::config
