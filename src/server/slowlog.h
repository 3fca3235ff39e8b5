#pragma once
// The SLOWLOG and the per-command log line.
//
// Slowlog keeps the newest slow commands as Redis 7.0 does: each entry has a unique id (never
// reused, not reset by SLOWLOG RESET), the Unix time in seconds, the execution time in
// microseconds, argv as the client sent it (at most 32 arguments, each at most 128 bytes, with
// "... (N more arguments)" / "... (N more bytes)" markers, and AUTH/HELLO/MIGRATE secrets
// replaced by "(redacted)"), the client's "ip:port" and its name. It is bounded by
// slowlog-max-len (trimmed on insertion). CONFIG RESETSTAT does not clear it (as in Redis).
//
// LogCommand() is what the dispatcher calls after a handler ran. It
//   - adds a slowlog entry when duration_us >= slowlog-log-slower-than (>= 0; -1 = off);
//   - logs "Command executed" with fields command, key, duration_us, result, client_addr under
//     target "ferrite::commands::<family>" (strings, keys, server, connection, transactions,
//     ...; from the command's Redis group): at info for a slow command, else at debug;
//   - stamps those records with the command span's trace_id / span_id when it was sampled.
// When neither the slowlog nor debug logging is on, it costs two relaxed atomic loads and
// compares (the threshold and the logger's most verbose level): no lock, allocation or syscall.
//
// CommandLogScope connects tracing to logging: constructed next to telemetry::ActiveTraceScope,
// it makes every log record the handler emits carry the sampled command span's ids.
//
// Thread safety: Slowlog is internally synchronised (a mutex: only slow commands and SLOWLOG
// reach it). LogCommand may run on any event-loop thread.

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "server/command_spec.h"
#include "server/config/runtime_config.h"
#include "server/server_context.h"
#include "telemetry/api/command_trace.h"
#include "telemetry/api/trace_context.h"

namespace ferrite::server {

class ClientSession;

struct SlowlogEntry {
  uint64_t id = 0;
  int64_t unix_seconds = 0;
  int64_t duration_us = 0;
  std::vector<std::string> argv;  // already truncated / redacted
  std::string client_addr;
  std::string client_name;
};

class Slowlog {
 public:
  static constexpr size_t kMaxArgc = 32;       // Redis SLOWLOG_ENTRY_MAX_ARGC
  static constexpr size_t kMaxArgBytes = 128;  // Redis SLOWLOG_ENTRY_MAX_STRING

  // Adds an entry at the head and trims the log to `max_len` entries.
  void Add(std::span<const std::string_view> argv, std::string_view command_name,
           int64_t duration_us, int64_t unix_seconds, std::string_view client_addr,
           std::string_view client_name, size_t max_len);
  // Up to `count` entries, newest first.
  std::vector<SlowlogEntry> Get(size_t count) const;
  size_t Len() const;
  void Reset();

  // argv as an entry stores it. `command_name` is the spec's lower-case name ("auth",
  // "config|set") and decides which arguments are redacted.
  static std::vector<std::string> EntryArgv(std::span<const std::string_view> argv,
                                            std::string_view command_name);

 private:
  mutable std::mutex mu_;
  std::deque<SlowlogEntry> entries_;  // newest first
  uint64_t next_id_ = 0;
};

// The process-wide slowlog SLOWLOG reads and LogCommand writes.
Slowlog& GlobalSlowlog();

// The low-cardinality result of a reply: the status text ("OK", "PONG", first 15 bytes), the
// error code ("ERR", "WRONGTYPE"), "NIL", "BULK", "ARRAY", "INTEGER", ... (same values as the
// command span's result attribute).
std::string_view CommandResult(std::string_view reply, bool failed);

// "ferrite::commands::strings" for the command's Redis group ("string"); "ferrite::commands"
// for commands without one.
std::string_view CommandLogTarget(const CommandSpec& spec);

struct CommandLogArgs {
  const CommandSpec& spec;
  const ClientSession& client;
  std::span<const std::string_view> argv;
  std::string_view key;    // the first key, empty when none
  int64_t duration_us;     // the handler's execution time
  std::string_view reply;  // the reply bytes this command wrote
  bool failed;             // the reply is an error
  telemetry::SpanContext span;
};

namespace internal {
void LogCommandSlow(ServerContext& server, const CommandLogArgs& args, bool slow);
}  // namespace internal

// Slow-log entry and log lines for one executed command (see the file comment). Reads the
// threshold and slowlog-max-len from server.runtime_config(), which must be set.
inline void LogCommand(ServerContext& server, const CommandLogArgs& args) {
  const int64_t slower_than_us = server.runtime_config().slowlog_log_slower_than();
  const bool slow = slower_than_us >= 0 && args.duration_us >= slower_than_us &&
                    !args.spec.HasFlag(kCmdSkipSlowlog);
  if (!slow && !log::MaybeEnabled(log::Level::kDebug)) return;
  internal::LogCommandSlow(server, args, slow);
}

// Installs the sampled span's ids as the thread's log trace context for the scope (no-op when
// the span is not valid, e.g. not sampled).
class CommandLogScope {
 public:
  explicit CommandLogScope(const telemetry::SpanContext& span) noexcept;
  explicit CommandLogScope(const telemetry::CommandTrace& trace) noexcept
      : CommandLogScope(trace.context()) {}
  ~CommandLogScope();
  CommandLogScope(const CommandLogScope&) = delete;
  CommandLogScope& operator=(const CommandLogScope&) = delete;

 private:
  bool installed_ = false;
  log::TraceContext saved_;
};

// The log::TraceContext for a telemetry span context (invalid stays invalid).
log::TraceContext ToLogTraceContext(const telemetry::SpanContext& span) noexcept;

}  // namespace ferrite::server
