// The ferrite.toml key table and the typed access every layer of config goes through.
//
// To add a key: add the member to its section struct in config.h and one line below. Parsing,
// environment (FERRITE_<SECTION>_<KEY>), --dump-config, CONFIG REWRITE and the docs follow.

#include <bit>
#include <charconv>
#include <cmath>

#include "base/size_parse.h"
#include "base/string_util.h"
#include "server/config/config.h"
#include "server/config/output_buffer_limits.h"

namespace ferrite::server::config {

namespace {

#define FIELD(path) [](Config& c) -> void* { return &c.path; }

constexpr std::string_view kAofSync[] = {"always", "everysec", "no"};
constexpr std::string_view kPolicies[] = {"volatile-lru",   "volatile-lfu", "volatile-random",
                                          "volatile-ttl",   "allkeys-lru",  "allkeys-lfu",
                                          "allkeys-random", "noeviction"};
constexpr std::string_view kLevels[] = {"error", "warn", "info", "debug", "trace"};
constexpr std::string_view kFormats[] = {"text", "json"};

constexpr uint64_t kKb = 1024, kMb = 1024 * kKb, kGb = 1024 * kMb;

std::string CheckPageSize(const Config& c) {
  return std::has_single_bit(c.storage.page_size) ? "" : "expected a power of two";
}
std::string CheckOutputBufferLimits(const Config& c) {
  OutputBufferLimits limits;
  std::string err;
  return ParseOutputBufferLimits(c.server.client_output_buffer_limit, &limits, &err) ? "" : err;
}
std::string CheckBind(const Config& c) {
  return c.server.bind.find_first_not_of(' ') == std::string::npos ? "expected at least one address"
                                                                   : "";
}
std::string CheckNotEmpty(const Config& c, const std::string& value) {
  return value.empty() ? "expected a non-empty string" : "";
}
std::string CheckDir(const Config& c) { return CheckNotEmpty(c, c.storage.dir); }
std::string CheckOutput(const Config& c) { return CheckNotEmpty(c, c.logging.output); }
std::string CheckAofFilename(const Config& c) {
  const std::string& f = c.persistence.aof_filename;
  if (f.empty()) return "expected a non-empty string";
  return f.find('/') == std::string::npos ? "" : "expected a file name, not a path";
}

// clang-format off
const KeySpec kSchema[] = {
  // [server]
  {.section = "server", .name = "bind", .kind = ValueKind::kString, .field = FIELD(server.bind), .check = CheckBind, .cli_flag = "--bind", .redis_name = "bind", .help = "Addresses to listen on, separated by spaces (\"0.0.0.0\" for all IPv4 interfaces)."},
  {.section = "server", .name = "port", .kind = ValueKind::kInt, .field = FIELD(server.port), .min = 0, .max = 65535, .cli_flag = "--port", .redis_name = "port", .help = "TCP port for RESP clients."},
  {.section = "server", .name = "threads", .kind = ValueKind::kInt, .field = FIELD(server.threads), .min = 0, .max = 1024, .cli_flag = "--threads", .redis_name = "io-threads", .help = "Event-loop threads; 0 means one per CPU core."},
  {.section = "server", .name = "max_connections", .kind = ValueKind::kInt, .field = FIELD(server.max_connections), .min = 1, .max = UINT32_MAX, .redis_name = "maxclients", .help = "Maximum simultaneous clients; more are refused with Redis's error."},
  {.section = "server", .name = "timeout", .kind = ValueKind::kInt, .field = FIELD(server.timeout), .min = 0, .max = INT32_MAX, .redis_name = "timeout", .help = "Close a client after this many idle seconds; 0 never closes."},
  {.section = "server", .name = "tcp_keepalive", .kind = ValueKind::kInt, .field = FIELD(server.tcp_keepalive), .min = 0, .max = INT32_MAX, .redis_name = "tcp-keepalive", .help = "TCP keepalive period in seconds; 0 disables it."},
  {.section = "server", .name = "hz", .kind = ValueKind::kInt, .field = FIELD(server.hz), .min = 1, .max = 500, .redis_name = "hz", .help = "Background cron frequency: expiry sampling, client timeouts, the coarse clock."},
  {.section = "server", .name = "proto_max_bulk_len", .kind = ValueKind::kSize, .field = FIELD(server.proto_max_bulk_len), .min_size = kMb, .max_size = INT64_MAX, .redis_name = "proto-max-bulk-len", .help = "Largest bulk string a client may send."},
  {.section = "server", .name = "client_query_buffer_limit", .kind = ValueKind::kSize, .field = FIELD(server.client_query_buffer_limit), .min_size = kMb, .max_size = INT64_MAX, .redis_name = "client-query-buffer-limit", .help = "Largest unparsed input buffered per client."},
  {.section = "server", .name = "client_output_buffer_limit", .kind = ValueKind::kString, .field = FIELD(server.client_output_buffer_limit), .check = CheckOutputBufferLimits, .redis_name = "client-output-buffer-limit", .help = "Redis syntax: <class> <hard> <soft> <soft-seconds> per class (normal, replica, pubsub)."},
  // [storage]
  {.section = "storage", .name = "databases", .kind = ValueKind::kInt, .field = FIELD(storage.databases), .min = 1, .max = 1024, .redis_name = "databases", .help = "Number of logical databases (SELECT 0..n-1)."},
  {.section = "storage", .name = "max_memory", .kind = ValueKind::kSize, .field = FIELD(storage.max_memory), .redis_name = "maxmemory", .help = "Memory budget of the storage engine (index, in-memory log pages); the rest goes to disk. 0 = no limit."},
  {.section = "storage", .name = "max_disk", .kind = ValueKind::kSize, .field = FIELD(storage.max_disk), .help = "Disk budget for log segments; 0 = no limit. When memory and disk are full, maxmemory_policy applies."},
  {.section = "storage", .name = "dir", .kind = ValueKind::kString, .field = FIELD(storage.dir), .check = CheckDir, .cli_flag = "--dir", .redis_name = "dir", .help = "Data directory: log segments, checkpoints and the AOF."},
  {.section = "storage", .name = "page_size", .kind = ValueKind::kSize, .field = FIELD(storage.page_size), .min_size = 4 * kKb, .max_size = kGb, .check = CheckPageSize, .help = "HybridLog page size (a power of two)."},
  {.section = "storage", .name = "mutable_fraction", .kind = ValueKind::kDouble, .field = FIELD(storage.mutable_fraction), .min_double = 0.01, .max_double = 1.0, .help = "Share of the in-memory log that is mutable (updated in place); the rest is read-only."},
  {.section = "storage", .name = "maxmemory_policy", .kind = ValueKind::kEnum, .field = FIELD(storage.maxmemory_policy), .choices = kPolicies, .redis_name = "maxmemory-policy", .help = "What happens when memory and disk are full: Redis's policies."},
  // [persistence]
  {.section = "persistence", .name = "aof_enabled", .kind = ValueKind::kBool, .field = FIELD(persistence.aof_enabled), .redis_name = "appendonly", .help = "Log every write to the append-only file."},
  {.section = "persistence", .name = "aof_sync", .kind = ValueKind::kEnum, .field = FIELD(persistence.aof_sync), .choices = kAofSync, .redis_name = "appendfsync", .help = "When the AOF is fsynced: after every write, once a second, or left to the OS."},
  {.section = "persistence", .name = "aof_filename", .kind = ValueKind::kString, .field = FIELD(persistence.aof_filename), .check = CheckAofFilename, .redis_name = "appendfilename", .help = "AOF file name inside storage.dir."},
  {.section = "persistence", .name = "checkpoint_interval", .kind = ValueKind::kInt, .field = FIELD(persistence.checkpoint_interval), .min = 0, .max = INT32_MAX, .redis_name = "save", .help = "Seconds between checkpoints when data changed; 0 disables periodic checkpoints."},
  {.section = "persistence", .name = "auto_aof_rewrite_percentage", .kind = ValueKind::kInt, .field = FIELD(persistence.auto_aof_rewrite_percentage), .min = 0, .max = INT32_MAX, .redis_name = "auto-aof-rewrite-percentage", .help = "Rewrite the AOF when it grew by this percentage since the last rewrite; 0 disables."},
  {.section = "persistence", .name = "auto_aof_rewrite_min_size", .kind = ValueKind::kSize, .field = FIELD(persistence.auto_aof_rewrite_min_size), .max_size = INT64_MAX, .redis_name = "auto-aof-rewrite-min-size", .help = "Never rewrite an AOF smaller than this."},
  // [metrics]
  {.section = "metrics", .name = "enabled", .kind = ValueKind::kBool, .field = FIELD(metrics.enabled), .help = "Serve Prometheus metrics over HTTP at /metrics."},
  {.section = "metrics", .name = "bind", .kind = ValueKind::kString, .field = FIELD(metrics.bind), .help = "Address of the /metrics endpoint."},
  {.section = "metrics", .name = "port", .kind = ValueKind::kInt, .field = FIELD(metrics.port), .min = 0, .max = 65535, .help = "Port of the /metrics endpoint."},
  // [logging]
  {.section = "logging", .name = "level", .kind = ValueKind::kEnum, .field = FIELD(logging.level), .choices = kLevels, .redis_name = "loglevel", .help = "Least severe level written. FERRITE_LOG or RUST_LOG directives (ferrite=debug,opentelemetry=debug) refine it per target."},
  {.section = "logging", .name = "format", .kind = ValueKind::kEnum, .field = FIELD(logging.format), .choices = kFormats, .help = "Plain text lines or one JSON object per line."},
  {.section = "logging", .name = "output", .kind = ValueKind::kString, .field = FIELD(logging.output), .check = CheckOutput, .redis_name = "logfile", .help = "\"stdout\", \"stderr\" or a file path (reopened on SIGHUP for logrotate)."},
  {.section = "logging", .name = "slowlog_log_slower_than", .kind = ValueKind::kInt, .field = FIELD(logging.slowlog_log_slower_than), .min = -1, .redis_name = "slowlog-log-slower-than", .help = "Commands slower than this many microseconds enter the SLOWLOG and are logged at info; -1 disables, 0 records every command."},
  {.section = "logging", .name = "slowlog_max_len", .kind = ValueKind::kInt, .field = FIELD(logging.slowlog_max_len), .min = 0, .redis_name = "slowlog-max-len", .help = "Entries kept by SLOWLOG."},
};
// clang-format on

#undef FIELD

template <typename T>
T& Member(const KeySpec& key, Config& c) {
  return *static_cast<T*>(key.field(c));
}
template <typename T>
const T& Member(const KeySpec& key, const Config& c) {
  return *static_cast<const T*>(key.field(const_cast<Config&>(c)));
}

std::string FormatDouble(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, ec == std::errc() ? end : buf);
  // TOML needs a '.' or exponent to read a float back as a float.
  if (s.find_first_of(".eE") == std::string::npos && s.find_first_of("ni") == std::string::npos) {
    s += ".0";
  }
  return s;
}

}  // namespace

std::span<const KeySpec> Schema() { return kSchema; }

const KeySpec* FindKey(std::string_view section, std::string_view name) {
  for (const KeySpec& key : kSchema) {
    if (key.section == section && key.name == name) return &key;
  }
  return nullptr;
}

std::string FullName(const KeySpec& key) {
  return std::string(key.section) + "." + std::string(key.name);
}

std::string EnvVarName(const KeySpec& key) {
  return "FERRITE_" + AsciiUpper(key.section) + "_" + AsciiUpper(key.name);
}

std::string ExpectedText(const KeySpec& key) {
  switch (key.kind) {
    case ValueKind::kBool:
      return "expected true or false";
    case ValueKind::kInt:
      if (key.max == INT64_MAX) return "expected an integer >= " + std::to_string(key.min);
      return "expected an integer between " + std::to_string(key.min) + " and " +
             std::to_string(key.max);
    case ValueKind::kSize: {
      std::string text = "expected a size (bytes, or a string like \"64mb\")";
      if (key.max_size >= uint64_t(INT64_MAX)) {
        if (key.min_size == 0) return text;
        return text + " >= " + FormatMemorySize(key.min_size);
      }
      return text + " between " + FormatMemorySize(key.min_size) + " and " +
             FormatMemorySize(key.max_size);
    }
    case ValueKind::kDouble:
      return "expected a number between " + FormatDouble(key.min_double) + " and " +
             FormatDouble(key.max_double);
    case ValueKind::kString:
      return "expected a string";
    case ValueKind::kEnum: {
      std::string text = "expected one of ";
      for (size_t i = 0; i < key.choices.size(); ++i) {
        if (i > 0) text += ", ";
        text += "\"" + std::string(key.choices[i]) + "\"";
      }
      return text;
    }
  }
  return "invalid value";
}

std::string ValueToToml(const KeySpec& key, const Config& c) {
  switch (key.kind) {
    case ValueKind::kBool:
      return Member<bool>(key, c) ? "true" : "false";
    case ValueKind::kInt:
      return std::to_string(Member<int64_t>(key, c));
    case ValueKind::kSize: {
      uint64_t v = Member<uint64_t>(key, c);
      std::string text = FormatMemorySize(v);
      // Plain byte counts stay TOML integers when they fit; unit forms are strings.
      if (text.back() >= '0' && text.back() <= '9' && v <= uint64_t(INT64_MAX)) return text;
      return TomlQuote(text);
    }
    case ValueKind::kDouble:
      return FormatDouble(Member<double>(key, c));
    case ValueKind::kString:
    case ValueKind::kEnum:
      return TomlQuote(Member<std::string>(key, c));
  }
  return "";
}

std::string ValueToText(const KeySpec& key, const Config& c) {
  switch (key.kind) {
    case ValueKind::kBool:
      return Member<bool>(key, c) ? "true" : "false";
    case ValueKind::kInt:
      return std::to_string(Member<int64_t>(key, c));
    case ValueKind::kSize:
      return std::to_string(Member<uint64_t>(key, c));
    case ValueKind::kDouble:
      return FormatDouble(Member<double>(key, c));
    case ValueKind::kString:
    case ValueKind::kEnum:
      return Member<std::string>(key, c);
  }
  return "";
}

bool SameValue(const KeySpec& key, const Config& a, const Config& b) {
  switch (key.kind) {
    case ValueKind::kBool:
      return Member<bool>(key, a) == Member<bool>(key, b);
    case ValueKind::kInt:
      return Member<int64_t>(key, a) == Member<int64_t>(key, b);
    case ValueKind::kSize:
      return Member<uint64_t>(key, a) == Member<uint64_t>(key, b);
    case ValueKind::kDouble:
      return Member<double>(key, a) == Member<double>(key, b);
    case ValueKind::kString:
    case ValueKind::kEnum:
      return Member<std::string>(key, a) == Member<std::string>(key, b);
  }
  return false;
}

Status SetFromString(const KeySpec& key, std::string_view text, Config* config) {
  Config candidate = *config;
  auto fail = [&] { return Status::InvalidArgument(ExpectedText(key)); };
  switch (key.kind) {
    case ValueKind::kBool: {
      if (EqualsIgnoreCase(text, "true") || EqualsIgnoreCase(text, "yes") || text == "1") {
        Member<bool>(key, candidate) = true;
      } else if (EqualsIgnoreCase(text, "false") || EqualsIgnoreCase(text, "no") || text == "0") {
        Member<bool>(key, candidate) = false;
      } else {
        return fail();
      }
      break;
    }
    case ValueKind::kInt: {
      int64_t v;
      if (!String2ll(text, &v) || v < key.min || v > key.max) return fail();
      Member<int64_t>(key, candidate) = v;
      break;
    }
    case ValueKind::kSize: {
      auto v = ParseMemorySize(text);
      if (!v || *v < key.min_size || *v > key.max_size) return fail();
      Member<uint64_t>(key, candidate) = *v;
      break;
    }
    case ValueKind::kDouble: {
      double v;
      if (!String2d(text, &v) || !std::isfinite(v) || v < key.min_double || v > key.max_double) {
        return fail();
      }
      Member<double>(key, candidate) = v;
      break;
    }
    case ValueKind::kEnum: {
      bool found = false;
      for (std::string_view choice : key.choices) {
        if (EqualsIgnoreCase(text, choice)) {
          Member<std::string>(key, candidate) = std::string(choice);
          found = true;
        }
      }
      if (!found) return fail();
      break;
    }
    case ValueKind::kString:
      Member<std::string>(key, candidate) = std::string(text);
      break;
  }
  if (key.check != nullptr) {
    std::string err = key.check(candidate);
    if (!err.empty()) return Status::InvalidArgument(err);
  }
  *config = std::move(candidate);
  return Status::Ok();
}

}  // namespace ferrite::server::config
