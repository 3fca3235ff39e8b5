#pragma once
// CommandSpec: what the dispatcher knows about one Redis command, and the handler signature.
//
// The registry (server/command_registry.h) holds one CommandSpec per command and subcommand,
// with Redis 7.0's metadata (arity, flags, key positions, ACL categories, docs). Command families
// attach handlers to them at startup (commands/families.h). Specs are immutable once the server
// starts serving, so every thread reads them without synchronisation.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ferrite::server {

class CommandContext;
using CommandHandler = void (*)(CommandContext& ctx);

// Redis's command flags (COMMAND INFO's second field), as bits for the dispatcher.
enum CommandFlag : uint64_t {
  kCmdWrite = 1ull << 0,
  kCmdReadOnly = 1ull << 1,
  kCmdDenyOom = 1ull << 2,
  kCmdModule = 1ull << 3,
  kCmdAdmin = 1ull << 4,
  kCmdPubSub = 1ull << 5,
  kCmdNoScript = 1ull << 6,
  kCmdBlocking = 1ull << 7,
  kCmdLoading = 1ull << 8,
  kCmdStale = 1ull << 9,
  kCmdSkipMonitor = 1ull << 10,
  kCmdSkipSlowlog = 1ull << 11,
  kCmdAsking = 1ull << 12,
  kCmdFast = 1ull << 13,
  kCmdNoAuth = 1ull << 14,
  kCmdMayReplicate = 1ull << 15,
  kCmdSentinel = 1ull << 16,
  kCmdOnlySentinel = 1ull << 17,
  kCmdNoMandatoryKeys = 1ull << 18,
  kCmdProtected = 1ull << 19,
  kCmdModuleGetkeys = 1ull << 20,
  kCmdModuleNoCluster = 1ull << 21,
  kCmdNoMulti = 1ull << 22,
  kCmdMovableKeys = 1ull << 23,
  kCmdAllowBusy = 1ull << 24,
  kCmdModuleGetchannels = 1ull << 25,
  kCmdTouchesArbitraryKeys = 1ull << 26,
};

struct CommandMetadata;  // docs, ACL categories, key specs, tips: defined by the registry

struct CommandSpec {
  std::string_view name;  // lower case; "config|get" for a subcommand
  int arity = 0;          // Redis convention: >0 exact argc, <0 at least -arity
  uint64_t flags = 0;     // CommandFlag bits
  int first_key = 0;      // legacy key range (COMMAND INFO fields 4-6); 0 = no keys
  int last_key = 0;       // -1 = last argument, -2 = second to last...
  int key_step = 0;
  const CommandMetadata* metadata = nullptr;
  CommandHandler handler = nullptr;      // null: known to Redis, not implemented by Ferrite
  std::vector<CommandSpec> subcommands;  // for container commands (CONFIG, CLIENT, ...)
  uint32_t id = 0;  // dense 0..N-1 over all specs, for per-command stats in flat arrays

  bool HasFlag(CommandFlag f) const { return (flags & f) != 0; }
  bool IsWrite() const { return HasFlag(kCmdWrite); }
};

}  // namespace ferrite::server
