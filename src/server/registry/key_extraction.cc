// Key extraction: Redis 7.0's getKeysFromCommandWithSpecs and the per-command key finders it
// falls back to, reimplemented over CommandMetadata. The quirks are Redis's and kept on purpose
// (a keyword search never looks at the last argument it would start from; a key count of 0 is
// invalid for keynum specs), because clients and cluster proxies rely on COMMAND GETKEYS
// answering exactly as Redis does.

#include <algorithm>
#include <cctype>
#include <climits>

#include "server/registry/command_registry.h"

namespace ferrite::server {
namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Redis's string2ll: optional '-', no '+', no leading zeros, no spaces, fits in int64.
bool StrictInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s == "0") {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// C's atoi as the fallback finders use it: leading spaces, a sign, then digits up to the first
// non-digit; garbage gives 0. Saturates instead of overflowing.
int Atoi(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  int64_t v = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    v = v * 10 + (s[i] - '0');
    if (v > INT_MAX) v = static_cast<int64_t>(INT_MAX) + 1;
  }
  v = negative ? -v : v;
  return static_cast<int>(std::clamp<int64_t>(v, INT_MIN, INT_MAX));
}

// One key spec over argv. Returns false when the spec cannot be applied (Redis's invalid_spec).
// Keys found are appended even if the spec turns out incomplete, as Redis does.
bool ApplyKeySpec(const KeySpec& spec, int arity, std::span<const std::string_view> argv,
                  std::vector<KeyReference>* keys) {
  const int argc = static_cast<int>(argv.size());
  int first = 0;
  switch (spec.begin_search) {
    case KeySpec::BeginSearch::kIndex:
      first = spec.index;
      break;
    case KeySpec::BeginSearch::kKeyword: {
      const int start = spec.startfrom > 0 ? spec.startfrom : argc + spec.startfrom;
      const int end = spec.startfrom > 0 ? argc - 1 : 1;
      for (int i = start; i != end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (EqualsNoCase(argv[i], spec.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first == 0) return true;  // keyword absent: this spec contributes no keys
      break;
    }
    case KeySpec::BeginSearch::kUnknown:
      return false;
  }

  int last = 0;
  int step = 1;
  switch (spec.find_keys) {
    case KeySpec::FindKeys::kRange:
      step = spec.keystep;
      if (spec.lastkey >= 0) {
        last = first + spec.lastkey;
      } else if (spec.limit == 0) {
        last = argc + spec.lastkey;
      } else {
        last = first + ((argc - first) / spec.limit + spec.lastkey);
      }
      break;
    case KeySpec::FindKeys::kKeynum: {
      step = spec.keystep;
      const int count_at = first + spec.keynumidx;
      if (spec.keynumidx >= argc || count_at >= argc) return false;
      int64_t numkeys;
      if (!StrictInt64(argv[count_at], &numkeys) || numkeys < 0) return false;
      first += spec.firstkey;
      last = first + static_cast<int>(numkeys) - 1;
      break;
    }
    case KeySpec::FindKeys::kUnknown:
      return false;
  }

  if (last >= argc || last < first || first >= argc) return false;
  if (step <= 0) return false;  // no Redis spec has one; guards against a malformed table
  for (int i = first; i <= last; i += step) {
    if (i >= argc || i < first) {
      // Variadic commands reach here with too few arguments; Redis leaves the error to the
      // command. Fixed-arity commands cannot (the dispatcher checked arity).
      if (arity < 0) continue;
      return false;
    }
    keys->push_back({i, spec.flags});
  }
  return (spec.flags & kKeyIncomplete) == 0;
}

// Redis's getKeysUsingKeySpecs without partial results: false on any invalid spec.
bool KeysFromSpecs(const CommandSpec& spec, std::span<const std::string_view> argv,
                   std::vector<KeyReference>* keys) {
  for (const KeySpec& ks : spec.metadata->key_specs) {
    if (ks.flags & kKeyNotKey) continue;
    if (!ApplyKeySpec(ks, spec.arity, argv, keys)) {
      keys->clear();
      return false;
    }
  }
  return true;
}

void SortKeys(std::span<const std::string_view> argv, std::vector<KeyReference>* keys) {
  const int argc = static_cast<int>(argv.size());
  keys->push_back({1, kKeyRO | kKeyAccess});
  int store = 0;
  for (int i = 2; i < argc; ++i) {
    // Options with arguments are skipped whole; the last STORE wins, as in SORT itself.
    if (EqualsNoCase(argv[i], "limit")) {
      i += 2;
    } else if (EqualsNoCase(argv[i], "get") || EqualsNoCase(argv[i], "by")) {
      i += 1;
    } else if (EqualsNoCase(argv[i], "store") && i + 1 < argc) {
      store = i + 1;
    }
  }
  if (store != 0) keys->push_back({store, kKeyOW | kKeyUpdate});
}

void MigrateKeys(std::span<const std::string_view> argv, std::vector<KeyReference>* keys) {
  const int argc = static_cast<int>(argv.size());
  int first = 3;
  int num = 1;
  // MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS k...]
  for (int i = 6; i < argc; ++i) {
    if (EqualsNoCase(argv[i], "keys")) {
      if (!argv[3].empty()) {
        num = 0;  // both a key and KEYS: the command reports the syntax error
      } else {
        first = i + 1;
        num = argc - first;
      }
      break;
    }
    if (EqualsNoCase(argv[i], "auth")) {
      i += 1;
    } else if (EqualsNoCase(argv[i], "auth2")) {
      i += 2;
    }
  }
  for (int i = 0; i < num; ++i) keys->push_back({first + i, kKeyRW | kKeyAccess | kKeyDelete});
}

void GeoradiusKeys(std::span<const std::string_view> argv, std::vector<KeyReference>* keys) {
  const int argc = static_cast<int>(argv.size());
  int stored = -1;
  for (int i = 5; i < argc; ++i) {
    if ((EqualsNoCase(argv[i], "store") || EqualsNoCase(argv[i], "storedist")) && i + 1 < argc) {
      stored = i + 1;
      ++i;
    }
  }
  keys->push_back({1, 0});
  if (stored != -1) keys->push_back({stored, 0});
}

void XreadKeys(std::span<const std::string_view> argv, std::vector<KeyReference>* keys) {
  const int argc = static_cast<int>(argv.size());
  int streams = -1;
  for (int i = 1; i < argc; ++i) {
    if (EqualsNoCase(argv[i], "block") || EqualsNoCase(argv[i], "count")) {
      i += 1;
    } else if (EqualsNoCase(argv[i], "group")) {
      i += 2;
    } else if (EqualsNoCase(argv[i], "noack")) {
      continue;
    } else {
      if (EqualsNoCase(argv[i], "streams")) streams = i;
      break;
    }
  }
  if (streams == -1) return;
  const int rest = argc - streams - 1;
  if (rest == 0 || rest % 2 != 0) return;
  for (int i = streams + 1; i < streams + 1 + rest / 2; ++i) keys->push_back({i, 0});
}

void SetKeys(std::span<const std::string_view> argv, std::vector<KeyReference>* keys) {
  // With GET, SET reads the old value too.
  for (size_t i = 3; i < argv.size(); ++i) {
    if (EqualsNoCase(argv[i], "get")) {
      keys->push_back({1, kKeyRW | kKeyAccess | kKeyUpdate});
      return;
    }
  }
  keys->push_back({1, kKeyOW | kKeyUpdate});
}

void BitfieldKeys(std::span<const std::string_view> argv, std::vector<KeyReference>* keys) {
  const int argc = static_cast<int>(argv.size());
  bool readonly = true;
  for (int i = 2; i < argc; ++i) {
    const int remaining = argc - i - 1;
    if (EqualsNoCase(argv[i], "get") && remaining >= 2) {
      i += 2;
    } else if ((EqualsNoCase(argv[i], "set") || EqualsNoCase(argv[i], "incrby")) &&
               remaining >= 3) {
      readonly = false;
      break;
    } else if (EqualsNoCase(argv[i], "overflow") && remaining >= 1) {
      i += 1;
    } else {
      readonly = false;  // a syntax error: assume it writes
      break;
    }
  }
  keys->push_back({1, readonly ? kKeyRO | kKeyAccess : kKeyRW | kKeyAccess | kKeyUpdate});
}

// A key count at `count`, that many keys from `first`, then the destination at `store` if any.
void NumkeysKeys(const CommandMetadata& md, std::span<const std::string_view> argv,
                 std::vector<KeyReference>* keys) {
  const int argc = static_cast<int>(argv.size());
  if (md.finder_count >= argc) return;
  const int num = Atoi(argv[md.finder_count]);
  if (num < 1 || num > argc - md.finder_first) return;
  for (int i = 0; i < num; ++i) keys->push_back({md.finder_first + i, 0});
  if (md.finder_store != 0) keys->push_back({md.finder_store, 0});
}

void NativeKeys(const CommandMetadata& md, std::span<const std::string_view> argv,
                std::vector<KeyReference>* keys) {
  if (argv.size() < 2) return;
  switch (md.key_finder) {
    case NativeKeyFinder::kNone:
      return;
    case NativeKeyFinder::kNumkeys:
      return NumkeysKeys(md, argv, keys);
    case NativeKeyFinder::kSort:
      return SortKeys(argv, keys);
    case NativeKeyFinder::kSortRo:
      keys->push_back({1, kKeyRO | kKeyAccess});
      return;
    case NativeKeyFinder::kMigrate:
      if (argv.size() < 4) return;
      return MigrateKeys(argv, keys);
    case NativeKeyFinder::kGeoradius:
      return GeoradiusKeys(argv, keys);
    case NativeKeyFinder::kXread:
      return XreadKeys(argv, keys);
    case NativeKeyFinder::kSet:
      return SetKeys(argv, keys);
    case NativeKeyFinder::kBitfield:
      return BitfieldKeys(argv, keys);
  }
}

}  // namespace

bool CommandRegistry::CommandHasKeys(const CommandSpec& spec) {
  if (spec.metadata == nullptr) return false;
  if (spec.metadata->key_finder != NativeKeyFinder::kNone) return true;
  for (const KeySpec& ks : spec.metadata->key_specs) {
    if ((ks.flags & kKeyNotKey) == 0) return true;
  }
  return false;
}

void CommandRegistry::ExtractKeys(const CommandSpec& spec, std::span<const std::string_view> argv,
                                  std::vector<KeyReference>* keys) const {
  keys->clear();
  if (spec.metadata == nullptr) return;
  bool has_keyspec = false;
  bool has_variable_flags = false;
  for (const KeySpec& ks : spec.metadata->key_specs) {
    has_keyspec |= (ks.flags & kKeyNotKey) == 0;
    has_variable_flags |= (ks.flags & kKeyVariableFlags) != 0;
  }
  // Key specs first when their flags are reliable; the native finder otherwise or on failure.
  if (has_keyspec && !has_variable_flags && KeysFromSpecs(spec, argv, keys)) return;
  keys->clear();
  NativeKeys(*spec.metadata, argv, keys);
}

bool CommandRegistry::GetKeys(const CommandSpec& spec, std::span<const std::string_view> argv,
                              std::vector<int>* key_positions) const {
  thread_local std::vector<KeyReference> keys;
  ExtractKeys(spec, argv, &keys);
  key_positions->clear();
  for (const KeyReference& k : keys) key_positions->push_back(k.pos);
  return !keys.empty() || !CommandHasKeys(spec) || spec.HasFlag(kCmdNoMandatoryKeys);
}

Status CommandRegistry::GetKeysForCommand(std::span<const std::string_view> argv,
                                          std::vector<KeyReference>* keys) const {
  keys->clear();
  const CommandSpec* spec = Lookup(argv);
  if (spec == nullptr || !IsImplemented(*spec)) {
    return Status::InvalidArgument("ERR Invalid command specified");
  }
  if (!CommandHasKeys(*spec)) {
    return Status::InvalidArgument("ERR The command has no key arguments");
  }
  const int argc = static_cast<int>(argv.size());
  if ((spec->arity > 0 && spec->arity != argc) || argc < -spec->arity) {
    return Status::InvalidArgument("ERR Invalid number of arguments specified for command");
  }
  ExtractKeys(*spec, argv, keys);
  if (keys->empty() && !spec->HasFlag(kCmdNoMandatoryKeys)) {
    return Status::InvalidArgument("ERR Invalid arguments specified for command");
  }
  return Status::Ok();
}

}  // namespace ferrite::server
