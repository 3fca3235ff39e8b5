#pragma once
// CommandRegistry: one CommandSpec (with its CommandMetadata) for every Redis 7.0 command and
// subcommand, built once at startup from the data generated from Debian's redis-server 7.0.15.
//
// Startup: Create() loads the metadata; each command family then calls SetHandler() for the
// commands it implements. A command is "implemented" when it has a handler, a container (CONFIG,
// CLIENT...) when any of its subcommands has one; only implemented commands appear in COMMAND's
// replies. Specs the registry knows but Ferrite does not implement still answer Find(), so the
// dispatcher can tell "unknown command" (nullptr) from "known, no handler" (spec->handler null).
//
// Names: spec.name is Redis's lower-case full name ("get", "config|get"), which is also what
// INFO commandstats uses. CanonicalName() is the upper-case, space-separated form ("GET",
// "CONFIG GET") for telemetry span names and metric labels. spec.id numbers every spec densely
// (0..size()-1, containers and subcommands alike), so per-command statistics can live in flat
// arrays indexed by id.
//
// Thread safety: SetHandler() only before serving starts. Afterwards the registry is immutable and
// every method is const, allocation-free (except where a vector is filled) and lock-free.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "server/command_spec.h"
#include "server/registry/command_metadata.h"

namespace ferrite::server {

// A key position in argv (argv[0] is the command name) and the key-spec flags that apply to it.
struct KeyReference {
  int pos = 0;
  uint32_t flags = 0;  // KeySpecFlag bits
};

class CommandRegistry {
 public:
  // Longest full name Find() accepts; longer names are not Redis commands.
  static constexpr size_t kMaxNameLength = 64;

  // The registry of Redis 7.0 commands from the generated data (command_metadata_data.cc).
  static Result<std::unique_ptr<CommandRegistry>> Create();
  // Same from JSON lines in the generator's format (tests use small hand-written sets).
  static Result<std::unique_ptr<CommandRegistry>> CreateFromData(std::string_view data);

  CommandRegistry(const CommandRegistry&) = delete;
  CommandRegistry& operator=(const CommandRegistry&) = delete;

  // Case-insensitive lookup by full name: "get", "GET", "config|get", "CONFIG|Get".
  const CommandSpec* Find(std::string_view name) const;
  // Case-insensitive lookup of `sub` ("get") among `container`'s subcommands.
  const CommandSpec* FindSubcommand(const CommandSpec& container, std::string_view sub) const;
  // Redis's lookupCommand for a request: argv[0] names a top-level command (a '|' in it never
  // matches); for a container with argc > 1, argv[1] selects the subcommand (nullptr if unknown).
  // With argc == 1 a container itself is returned (as Redis does; it then fails arity).
  const CommandSpec* Lookup(std::span<const std::string_view> argv) const;

  // Adds Ferrite's own commands (not in Redis 7.0), one JSON object per line in the generator's
  // format (see extension_commands.cc). A name "container|sub" adds a subcommand to an existing
  // container. Re-numbers ids; only before serving starts. Create() already adds Ferrite's
  // built-in extensions (CLIENT TRACEPARENT).
  Status AddCommands(std::string_view json_lines);

  // Attaches a handler; `name` is a full name ("get", "config|get"). NotFound if Redis 7.0 has
  // no such command. Only before serving starts.
  Status SetHandler(std::string_view name, CommandHandler handler);

  // Whether Ferrite implements the command (see the header comment).
  static bool IsImplemented(const CommandSpec& spec);

  // Top-level commands in name order; subcommands hang off each spec.
  std::span<const CommandSpec> commands() const { return commands_; }
  // Every spec by id (containers and subcommands).
  size_t size() const { return by_id_.size(); }
  const CommandSpec& ById(uint32_t id) const { return *by_id_[id]; }
  // Number of implemented top-level commands (COMMAND COUNT).
  size_t ImplementedCount() const;

  // Key extraction as Redis's getKeysFromCommandWithSpecs: from the key specs (index/keyword
  // begin-search, range/keynum find-keys), falling back to the per-command finders where Redis
  // does (incomplete or variable-flag specs: SORT, MIGRATE, SET, BITFIELD...). Appends to
  // `keys` (cleared first). Empty when the command has no keys or the arguments do not parse.
  void ExtractKeys(const CommandSpec& spec, std::span<const std::string_view> argv,
                   std::vector<KeyReference>* keys) const;
  // Key positions only. False when the command takes keys but none could be found in argv
  // (Redis's "Invalid arguments specified for command"); true otherwise, possibly with none.
  bool GetKeys(const CommandSpec& spec, std::span<const std::string_view> argv,
               std::vector<int>* key_positions) const;
  // COMMAND GETKEYS semantics for a full command line (argv[0] = command name): resolves the
  // command and subcommand, checks it has keys and its arity, then extracts. Errors carry Redis's
  // exact messages ("ERR Invalid command specified", "ERR The command has no key arguments",
  // "ERR Invalid number of arguments specified for command", "ERR Invalid arguments specified
  // for command"). A command with no_mandatory_keys and no keys found yields OK and no keys.
  // Unimplemented commands count as unknown.
  Status GetKeysForCommand(std::span<const std::string_view> argv,
                           std::vector<KeyReference>* keys) const;
  // Redis's doesCommandHaveKeys.
  static bool CommandHasKeys(const CommandSpec& spec);

 private:
  CommandRegistry() = default;
  Status Load(std::string_view data);  // metadata_loader.cc
  void Index();
  CommandSpec* MutableFind(std::string_view name);

  std::vector<std::unique_ptr<CommandMetadata>> metadata_;
  std::vector<CommandSpec> commands_;
  std::vector<const CommandSpec*> by_id_;
  std::unordered_map<std::string_view, const CommandSpec*> by_name_;
};

// "GET", "CONFIG GET": the upper-case name with a space before the subcommand. Stable storage,
// no allocation. Specs without metadata (hand-made in tests) yield spec.name.
std::string_view CanonicalName(const CommandSpec& spec);

// The metadata of a spec the registry built (never null for those).
inline const CommandMetadata& Metadata(const CommandSpec& spec) { return *spec.metadata; }

}  // namespace ferrite::server
