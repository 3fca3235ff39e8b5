#pragma once
// CommandMetadata: everything Redis 7.0 says about one command or subcommand beyond what the
// dispatcher needs in CommandSpec: the exact flag strings COMMAND INFO prints, ACL categories,
// tips, key specs, and the documentation COMMAND DOCS returns.
//
// The data comes from tools/gen_command_metadata.py (the replies of Debian's redis-server 7.0.15)
// and is loaded once by the CommandRegistry. Lists keep Redis's order, and optional fields keep
// Redis's notion of presence, so the COMMAND family can reproduce Redis's replies byte for byte.
//
// Thread safety: immutable after the registry is built; read from any thread without locks.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferrite::server {

// Key-spec flags (Redis's CMD_KEY_*), in the order COMMAND INFO and GETKEYSANDFLAGS print them.
enum KeySpecFlag : uint32_t {
  kKeyRO = 1u << 0,
  kKeyRW = 1u << 1,
  kKeyOW = 1u << 2,
  kKeyRM = 1u << 3,
  kKeyAccess = 1u << 4,
  kKeyUpdate = 1u << 5,
  kKeyInsert = 1u << 6,
  kKeyDelete = 1u << 7,
  kKeyNotKey = 1u << 8,
  kKeyIncomplete = 1u << 9,
  kKeyVariableFlags = 1u << 10,
};
inline constexpr int kNumKeySpecFlags = 11;
// "RO", "RW", ... "variable_flags"; index i names bit 1 << i.
std::string_view KeySpecFlagName(int bit_index);

// One key spec: where the first key is (begin_search) and how the others follow (find_keys).
struct KeySpec {
  enum class BeginSearch : uint8_t { kUnknown, kIndex, kKeyword };
  enum class FindKeys : uint8_t { kUnknown, kRange, kKeynum };

  std::optional<std::string> notes;
  uint32_t flags = 0;  // KeySpecFlag bits

  BeginSearch begin_search = BeginSearch::kUnknown;
  int index = 0;        // kIndex: argv position of the first key
  std::string keyword;  // kKeyword: the key range starts after this token...
  int startfrom = 0;    // ...searched from here (negative: backwards from the end)

  FindKeys find_keys = FindKeys::kUnknown;
  int lastkey = 0;    // kRange: relative to the first key; negative: from the end of argv
  int keystep = 0;    // kRange and kKeynum
  int limit = 0;      // kRange: with lastkey -1, take 1/limit of the remaining args
  int keynumidx = 0;  // kKeynum: argument holding the key count, relative to begin_search
  int firstkey = 0;   // kKeynum: first key, relative to begin_search
};

// One argument of COMMAND DOCS's "arguments" (nested for oneof and block types).
struct CommandArg {
  std::string name;
  std::string type;  // "string", "integer", "key", "pure-token", "oneof", "block", ...
  int key_spec_index = -1;
  std::optional<std::string> token;
  std::optional<std::string> summary;
  std::optional<std::string> since;
  std::optional<std::string> deprecated_since;
  std::vector<std::string> flags;  // "optional", "multiple", "multiple_token"; empty: absent
  bool has_arguments = false;      // true exactly for oneof and block
  std::vector<CommandArg> arguments;
};

struct CommandDocs {
  std::optional<std::string> summary;
  std::optional<std::string> since;
  std::string group;  // "string", "generic", "server", ...
  std::optional<std::string> complexity;
  std::vector<std::string> doc_flags;  // "deprecated", "syscmd"; empty: absent
  std::optional<std::string> deprecated_since;
  std::optional<std::string> replaced_by;
  bool has_history = false;
  std::vector<std::pair<std::string, std::string>> history;  // (version, change)
  bool has_arguments = false;
  std::vector<CommandArg> arguments;
};

// How COMMAND GETKEYS falls back when the key specs are incomplete or carry variable flags:
// Redis 7.0 then runs a per-command key finder. These name the finders Ferrite reproduces.
enum class NativeKeyFinder : uint8_t {
  kNone,
  kNumkeys,  // ZUNIONSTORE, EVAL, LMPOP, ...: a key count, then the keys (+ optional dest)
  kSort,
  kSortRo,
  kMigrate,
  kGeoradius,
  kXread,
  kSet,
  kBitfield,
};

struct CommandMetadata {
  std::string name;       // lower case, "config|get" for a subcommand (backs CommandSpec::name)
  std::string canonical;  // upper case, "CONFIG GET" (see CanonicalName in command_registry.h)
  std::vector<std::string> flag_names;      // COMMAND INFO's flags, in Redis's order
  std::vector<std::string> hidden_flags;    // may_replicate, protected, touches_arbitrary_keys
  std::vector<std::string> acl_categories;  // "@read", "@string", ...
  std::vector<std::string> tips;            // "nondeterministic_output", ...
  std::vector<KeySpec> key_specs;
  CommandDocs docs;

  bool extension = false;  // a Ferrite command Redis 7.0 does not have (AddCommands)

  NativeKeyFinder key_finder = NativeKeyFinder::kNone;
  // kNumkeys: argv positions of the destination key (0: none), the key count and the first key.
  int finder_store = 0;
  int finder_count = 0;
  int finder_first = 0;
};

}  // namespace ferrite::server
