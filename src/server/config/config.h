#pragma once
// Config: Ferrite's startup configuration, the `ferrite.toml` schema, and its layering.
//
// Every key lives in one table (config_schema.cc): section, name, type, bounds, help text and
// overrides. Parsing, validation, environment overrides (FERRITE_<SECTION>_<KEY>), command-line
// overrides, --dump-config and docs/configuration.md all follow that table, so adding a key is one
// struct member plus one table line. Sections are plugged in by name with a parse and a dump
// function ([telemetry] is the telemetry layer's).
//
// Errors are one line naming the key: "ferrite.toml: unknown key 'server.prot'",
// "ferrite.toml: server.port: expected an integer between 0 and 65535". Nothing is ignored.
//
// Thread safety: Config is a plain value. The functions are pure apart from reading files. The
// running server reads live values through RuntimeConfig (runtime_config.h), not through Config.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/provenance.h"
#include "base/result.h"
#include "base/status.h"
#include "telemetry/config/telemetry_config.h"

namespace ferrite::server::config {

struct ServerConfig {
  std::string bind = "127.0.0.1";  // one or more addresses separated by spaces, as Redis's bind
  int64_t port = 6379;
  int64_t threads = 0;  // event-loop threads; 0 = one per core
  int64_t max_connections = 10000;
  int64_t timeout = 0;          // seconds a client may idle; 0 = forever
  int64_t tcp_keepalive = 300;  // seconds; 0 = off
  int64_t hz = 10;              // background cron frequency
  uint64_t proto_max_bulk_len = 512ull << 20;
  uint64_t client_query_buffer_limit = 1ull << 30;
  std::string client_output_buffer_limit = "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60";
};

struct StorageConfig {
  int64_t databases = 16;
  uint64_t max_memory = 1ull << 30;  // 0 = no limit
  uint64_t max_disk = 0;             // 0 = no limit
  std::string dir = "./data";
  uint64_t page_size = 32ull << 20;  // power of two
  double mutable_fraction = 0.9;
  std::string maxmemory_policy = "noeviction";
};

struct PersistenceConfig {
  bool aof_enabled = false;
  std::string aof_sync = "everysec";  // always | everysec | no
  std::string aof_filename = "appendonly.aof";
  int64_t checkpoint_interval = 300;  // seconds between checkpoints if anything changed; 0 = off
  int64_t auto_aof_rewrite_percentage = 100;
  uint64_t auto_aof_rewrite_min_size = 64ull << 20;
};

struct MetricsConfig {
  bool enabled = true;
  std::string bind = "127.0.0.1";
  int64_t port = 9090;
};

struct LoggingConfig {
  std::string level = "info";   // error | warn | info | debug | trace
  std::string format = "text";  // text | json
  std::string output = "stdout";
  int64_t slowlog_log_slower_than = 10000;  // microseconds; -1 = off, 0 = every command
  int64_t slowlog_max_len = 128;
  // Filter directives from FERRITE_LOG or RUST_LOG (not a file key): refines `level` per target.
  std::string env_directives;
};

// Redis's collection-encoding thresholds. Ferrite's collections have one representation each,
// so these only decide what OBJECT ENCODING reports (listpack vs hashtable...), as Redis would
// for the same history. CONFIG GET/SET only: they are not ferrite.toml keys.
struct EncodingConfig {
  int64_t hash_max_listpack_entries = 128;
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;  // > 0: entries per node; -1..-5: 4..64 KiB per node
  int64_t list_compress_depth = 0;
  int64_t hll_sparse_max_bytes = 3000;  // a real limit: the HLL sparse-to-dense threshold
};

// Redis parameters the Tcl suite and some tools CONFIG SET, with no ferrite.toml key (CONFIG
// GET/SET only). rdb_key_save_delay is real (Checkpointer::SetKeySaveDelay); the replication ones
// are kept and reported, and take effect when replication exists (docs/configuration.md).
struct RuntimeOnlyConfig {
  int64_t rdb_key_save_delay = 0;  // microseconds per key a checkpoint waits (< 0: 1 us at 1/-N)
  int64_t repl_ping_replica_period = 10;  // seconds
  bool replica_read_only = true;
  bool aof_use_rdb_preamble = true;  // Ferrite's rewrites always write plain commands
};

struct Config {
  ServerConfig server;
  StorageConfig storage;
  PersistenceConfig persistence;
  MetricsConfig metrics;
  LoggingConfig logging;
  EncodingConfig encoding;
  RuntimeOnlyConfig runtime_only;
  // [telemetry] belongs to the telemetry layer (telemetry/config/telemetry_config.h), including
  // its own provenance map ("telemetry.<key>" -> "file" / "env:OTEL_X").
  telemetry::TelemetryConfig telemetry;
  telemetry::Provenance telemetry_provenance;

  std::string config_file;  // the file loaded, empty when running on defaults
  Provenance provenance;    // keyed by "section.key"
};

// ---- The schema ----

enum class ValueKind : unsigned char { kBool, kInt, kSize, kDouble, kString, kEnum };

struct KeySpec {
  std::string_view section;
  std::string_view name;
  ValueKind kind;
  void* (*field)(Config&);  // the member the key is stored in; its type follows `kind`
  int64_t min = 0;          // kInt bounds
  int64_t max = INT64_MAX;
  uint64_t min_size = 0;  // kSize bounds
  uint64_t max_size = UINT64_MAX;
  double min_double = 0;  // kDouble bounds (inclusive)
  double max_double = 1;
  std::span<const std::string_view> choices = {};  // kEnum values
  // Extra validation after the type check (e.g. "a power of two"); returns the error or "".
  std::string (*check)(const Config&) = nullptr;
  std::string_view cli_flag = {};    // "--port"
  std::string_view redis_name = {};  // the CONFIG GET/SET parameter
  std::string_view help = {};
};

std::span<const KeySpec> Schema();
const KeySpec* FindKey(std::string_view section, std::string_view name);
std::string FullName(const KeySpec& key);    // "server.port"
std::string EnvVarName(const KeySpec& key);  // "FERRITE_SERVER_PORT"
// "expected an integer between 0 and 65535" and the like.
std::string ExpectedText(const KeySpec& key);
// The value as TOML ("6379", "\"64mb\"", "true", "\"everysec\"").
std::string ValueToToml(const KeySpec& key, const Config& config);
// The value as plain text (no quotes; sizes in bytes): for CONFIG GET and messages.
std::string ValueToText(const KeySpec& key, const Config& config);
bool SameValue(const KeySpec& key, const Config& a, const Config& b);
// Parses `text` (an environment or command-line string) into the key's member and validates it.
// Returns the complaint ("expected ...") on failure, leaving `config` unchanged.
Status SetFromString(const KeySpec& key, std::string_view text, Config* config);

// ---- Sections ----

// Plugs a TOML section in. `parse` reads the table into the config (recording provenance as
// kFile) and returns errors as "section.key: expected ..." or "unknown key 'section.key'".
struct SectionHandler {
  std::string_view name;
  Status (*parse)(const toml::table& table, Config* config);
  std::string (*dump)(const Config& config);  // the section's TOML, header included
};
std::span<const SectionHandler> Sections();

// ---- Layers ----

// Parses TOML text on top of `config`. `source_name` prefixes errors ("ferrite.toml: ...").
Status ApplyToml(std::string_view text, std::string_view source_name, Config* config);
// Reads and applies a file; sets config->config_file.
Status ApplyFile(const std::string& path, Config* config);
// Applies FERRITE_<SECTION>_<KEY> variables and FERRITE_LOG (or else RUST_LOG) directives.
using GetEnv = std::function<const char*(const char*)>;
Status ApplyEnvironment(const GetEnv& getenv, Config* config);
// Sets "section.key" from a command-line string, recording kCli. Errors name `flag`.
Status ApplyCliValue(std::string_view full_key, std::string_view flag, std::string_view text,
                     Config* config);
// Cross-key checks run after all layers (e.g. metrics port != server port).
Status Validate(const Config& config);

// The whole effective configuration as TOML, defaults included, "# from: ..." on every key.
std::string DumpToml(const Config& config);

// The logger settings the app passes to log::Configure().
log::Options LogOptions(const Config& config);

}  // namespace ferrite::server::config
