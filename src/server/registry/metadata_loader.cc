// Builds the registry's specs from the generator's JSON lines (tools/gen_command_metadata.py).
// Runs once at startup; any inconsistency in the data is a Corruption error, never a crash.

#include <cctype>
#include <string>

#include "server/registry/command_registry.h"
#include "server/registry/json_reader.h"

namespace ferrite::server {
namespace registry_data {
extern const char kCommandData[];
}  // namespace registry_data

namespace {

using registry::JsonValue;

struct FlagName {
  std::string_view name;
  uint64_t bit;  // 0: printed by COMMAND INFO but no dispatcher bit (no_async_loading)
};

constexpr FlagName kFlagNames[] = {
    {"write", kCmdWrite},
    {"readonly", kCmdReadOnly},
    {"denyoom", kCmdDenyOom},
    {"module", kCmdModule},
    {"admin", kCmdAdmin},
    {"pubsub", kCmdPubSub},
    {"noscript", kCmdNoScript},
    {"blocking", kCmdBlocking},
    {"loading", kCmdLoading},
    {"stale", kCmdStale},
    {"skip_monitor", kCmdSkipMonitor},
    {"skip_slowlog", kCmdSkipSlowlog},
    {"asking", kCmdAsking},
    {"fast", kCmdFast},
    {"no_auth", kCmdNoAuth},
    {"no_mandatory_keys", kCmdNoMandatoryKeys},
    {"no_async_loading", 0},
    {"no_multi", kCmdNoMulti},
    {"movablekeys", kCmdMovableKeys},
    {"allow_busy", kCmdAllowBusy},
    // Hidden by COMMAND INFO; they come from the generator's hidden_flags.
    {"may_replicate", kCmdMayReplicate},
    {"protected", kCmdProtected},
    {"touches_arbitrary_keys", kCmdTouchesArbitraryKeys},
};

// Per-command key finders Redis 7.0 falls back to (see NativeKeyFinder).
struct FinderEntry {
  std::string_view name;
  NativeKeyFinder finder;
  int store, count, first;
};

constexpr FinderEntry kFinders[] = {
    {"sintercard", NativeKeyFinder::kNumkeys, 0, 1, 2},
    {"zunionstore", NativeKeyFinder::kNumkeys, 1, 2, 3},
    {"zinterstore", NativeKeyFinder::kNumkeys, 1, 2, 3},
    {"zdiffstore", NativeKeyFinder::kNumkeys, 1, 2, 3},
    {"zunion", NativeKeyFinder::kNumkeys, 0, 1, 2},
    {"zinter", NativeKeyFinder::kNumkeys, 0, 1, 2},
    {"zdiff", NativeKeyFinder::kNumkeys, 0, 1, 2},
    {"zintercard", NativeKeyFinder::kNumkeys, 0, 1, 2},
    {"eval", NativeKeyFinder::kNumkeys, 0, 2, 3},
    {"evalsha", NativeKeyFinder::kNumkeys, 0, 2, 3},
    {"eval_ro", NativeKeyFinder::kNumkeys, 0, 2, 3},
    {"evalsha_ro", NativeKeyFinder::kNumkeys, 0, 2, 3},
    {"fcall", NativeKeyFinder::kNumkeys, 0, 2, 3},
    {"fcall_ro", NativeKeyFinder::kNumkeys, 0, 2, 3},
    {"lmpop", NativeKeyFinder::kNumkeys, 0, 1, 2},
    {"blmpop", NativeKeyFinder::kNumkeys, 0, 2, 3},
    {"zmpop", NativeKeyFinder::kNumkeys, 0, 1, 2},
    {"bzmpop", NativeKeyFinder::kNumkeys, 0, 2, 3},
    {"sort", NativeKeyFinder::kSort, 0, 0, 0},
    {"sort_ro", NativeKeyFinder::kSortRo, 0, 0, 0},
    {"migrate", NativeKeyFinder::kMigrate, 0, 0, 0},
    {"georadius", NativeKeyFinder::kGeoradius, 0, 0, 0},
    {"georadiusbymember", NativeKeyFinder::kGeoradius, 0, 0, 0},
    {"xread", NativeKeyFinder::kXread, 0, 0, 0},
    {"xreadgroup", NativeKeyFinder::kXread, 0, 0, 0},
    {"set", NativeKeyFinder::kSet, 0, 0, 0},
    {"bitfield", NativeKeyFinder::kBitfield, 0, 0, 0},
};

Status Bad(std::string_view command, std::string_view what) {
  return Status::Corruption("command metadata for '" + std::string(command) +
                            "': " + std::string(what));
}

// Reads an optional string member into `out` (absent stays nullopt).
Status OptString(const JsonValue& obj, std::string_view key, std::string_view cmd,
                 std::optional<std::string>* out) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_string()) return Bad(cmd, std::string(key) + " is not a string");
  *out = v->string;
  return Status::Ok();
}

Status StringList(const JsonValue& obj, std::string_view key, std::string_view cmd,
                  std::vector<std::string>* out) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_array()) return Bad(cmd, std::string(key) + " is not an array");
  for (const JsonValue& item : v->array) {
    if (!item.is_string()) return Bad(cmd, std::string(key) + " holds a non-string");
    out->push_back(item.string);
  }
  return Status::Ok();
}

Status Int(const JsonValue& obj, std::string_view key, std::string_view cmd, int* out) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr || !v->is_int()) return Bad(cmd, std::string(key) + " missing or not an int");
  *out = static_cast<int>(v->integer);
  return Status::Ok();
}

#define FERRITE_RETURN_IF_ERROR(expr) \
  do {                                \
    Status _s = (expr);               \
    if (!_s.ok()) return _s;          \
  } while (0)

Status LoadKeySpec(const JsonValue& v, std::string_view cmd, KeySpec* ks) {
  if (!v.is_object()) return Bad(cmd, "key spec is not an object");
  FERRITE_RETURN_IF_ERROR(OptString(v, "notes", cmd, &ks->notes));
  std::vector<std::string> flags;
  FERRITE_RETURN_IF_ERROR(StringList(v, "flags", cmd, &flags));
  for (const std::string& f : flags) {
    int bit = 0;
    while (bit < kNumKeySpecFlags && KeySpecFlagName(bit) != f) ++bit;
    if (bit == kNumKeySpecFlags) return Bad(cmd, "unknown key spec flag " + f);
    ks->flags |= 1u << bit;
  }
  const JsonValue* bs = v.Find("bs");
  const JsonValue* fk = v.Find("fk");
  if (bs == nullptr || fk == nullptr) return Bad(cmd, "key spec without bs/fk");
  const JsonValue* bs_type = bs->Find("type");
  const JsonValue* fk_type = fk->Find("type");
  if (bs_type == nullptr || fk_type == nullptr) return Bad(cmd, "key spec without type");
  if (bs_type->string == "index") {
    ks->begin_search = KeySpec::BeginSearch::kIndex;
    FERRITE_RETURN_IF_ERROR(Int(*bs, "index", cmd, &ks->index));
  } else if (bs_type->string == "keyword") {
    ks->begin_search = KeySpec::BeginSearch::kKeyword;
    const JsonValue* kw = bs->Find("keyword");
    if (kw == nullptr || !kw->is_string()) return Bad(cmd, "keyword spec without keyword");
    ks->keyword = kw->string;
    FERRITE_RETURN_IF_ERROR(Int(*bs, "startfrom", cmd, &ks->startfrom));
  } else if (bs_type->string != "unknown") {
    return Bad(cmd, "unknown begin_search type");
  }
  if (fk_type->string == "range") {
    ks->find_keys = KeySpec::FindKeys::kRange;
    FERRITE_RETURN_IF_ERROR(Int(*fk, "lastkey", cmd, &ks->lastkey));
    FERRITE_RETURN_IF_ERROR(Int(*fk, "keystep", cmd, &ks->keystep));
    FERRITE_RETURN_IF_ERROR(Int(*fk, "limit", cmd, &ks->limit));
  } else if (fk_type->string == "keynum") {
    ks->find_keys = KeySpec::FindKeys::kKeynum;
    FERRITE_RETURN_IF_ERROR(Int(*fk, "keynumidx", cmd, &ks->keynumidx));
    FERRITE_RETURN_IF_ERROR(Int(*fk, "firstkey", cmd, &ks->firstkey));
    FERRITE_RETURN_IF_ERROR(Int(*fk, "keystep", cmd, &ks->keystep));
  } else if (fk_type->string != "unknown") {
    return Bad(cmd, "unknown find_keys type");
  }
  return Status::Ok();
}

Status LoadArgs(const JsonValue& list, std::string_view cmd, std::vector<CommandArg>* out) {
  if (!list.is_array()) return Bad(cmd, "arguments is not an array");
  for (const JsonValue& v : list.array) {
    CommandArg arg;
    const JsonValue* name = v.Find("name");
    const JsonValue* type = v.Find("type");
    if (name == nullptr || type == nullptr) return Bad(cmd, "argument without name/type");
    arg.name = name->string;
    arg.type = type->string;
    if (v.Find("key_spec_index") != nullptr) {
      FERRITE_RETURN_IF_ERROR(Int(v, "key_spec_index", cmd, &arg.key_spec_index));
    }
    FERRITE_RETURN_IF_ERROR(OptString(v, "token", cmd, &arg.token));
    FERRITE_RETURN_IF_ERROR(OptString(v, "summary", cmd, &arg.summary));
    FERRITE_RETURN_IF_ERROR(OptString(v, "since", cmd, &arg.since));
    FERRITE_RETURN_IF_ERROR(OptString(v, "deprecated_since", cmd, &arg.deprecated_since));
    FERRITE_RETURN_IF_ERROR(StringList(v, "flags", cmd, &arg.flags));
    if (const JsonValue* sub = v.Find("arguments")) {
      arg.has_arguments = true;
      FERRITE_RETURN_IF_ERROR(LoadArgs(*sub, cmd, &arg.arguments));
    }
    out->push_back(std::move(arg));
  }
  return Status::Ok();
}

Status LoadDocs(const JsonValue& v, std::string_view cmd, CommandDocs* docs) {
  if (!v.is_object()) return Bad(cmd, "docs is not an object");
  FERRITE_RETURN_IF_ERROR(OptString(v, "summary", cmd, &docs->summary));
  FERRITE_RETURN_IF_ERROR(OptString(v, "since", cmd, &docs->since));
  const JsonValue* group = v.Find("group");
  if (group == nullptr || !group->is_string()) return Bad(cmd, "docs without group");
  docs->group = group->string;
  FERRITE_RETURN_IF_ERROR(OptString(v, "complexity", cmd, &docs->complexity));
  FERRITE_RETURN_IF_ERROR(StringList(v, "doc_flags", cmd, &docs->doc_flags));
  FERRITE_RETURN_IF_ERROR(OptString(v, "deprecated_since", cmd, &docs->deprecated_since));
  FERRITE_RETURN_IF_ERROR(OptString(v, "replaced_by", cmd, &docs->replaced_by));
  if (const JsonValue* history = v.Find("history")) {
    docs->has_history = true;
    for (const JsonValue& entry : history->array) {
      if (entry.array.size() != 2) return Bad(cmd, "history entry is not a pair");
      docs->history.emplace_back(entry.array[0].string, entry.array[1].string);
    }
  }
  if (const JsonValue* args = v.Find("arguments")) {
    docs->has_arguments = true;
    FERRITE_RETURN_IF_ERROR(LoadArgs(*args, cmd, &docs->arguments));
  }
  return Status::Ok();
}

std::string Canonical(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    c = c == '|' ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

Status LoadCommand(const JsonValue& v, std::vector<std::unique_ptr<CommandMetadata>>* metadata,
                   CommandSpec* spec) {
  const JsonValue* name = v.Find("name");
  if (!v.is_object() || name == nullptr || !name->is_string() || name->string.empty()) {
    return Status::Corruption("command metadata: entry without a name");
  }
  auto md = std::make_unique<CommandMetadata>();
  md->name = name->string;
  md->canonical = Canonical(md->name);
  const std::string& cmd = md->name;
  FERRITE_RETURN_IF_ERROR(Int(v, "arity", cmd, &spec->arity));
  FERRITE_RETURN_IF_ERROR(Int(v, "first", cmd, &spec->first_key));
  FERRITE_RETURN_IF_ERROR(Int(v, "last", cmd, &spec->last_key));
  FERRITE_RETURN_IF_ERROR(Int(v, "step", cmd, &spec->key_step));
  FERRITE_RETURN_IF_ERROR(StringList(v, "flags", cmd, &md->flag_names));
  FERRITE_RETURN_IF_ERROR(StringList(v, "hidden_flags", cmd, &md->hidden_flags));
  for (const auto* list : {&md->flag_names, &md->hidden_flags}) {
    for (const std::string& f : *list) {
      const FlagName* found = nullptr;
      for (const FlagName& fn : kFlagNames) {
        if (fn.name == f) found = &fn;
      }
      if (found == nullptr) return Bad(cmd, "unknown command flag " + f);
      spec->flags |= found->bit;
    }
  }
  FERRITE_RETURN_IF_ERROR(StringList(v, "acl", cmd, &md->acl_categories));
  FERRITE_RETURN_IF_ERROR(StringList(v, "tips", cmd, &md->tips));
  if (const JsonValue* specs = v.Find("key_specs")) {
    for (const JsonValue& ks : specs->array) {
      md->key_specs.emplace_back();
      FERRITE_RETURN_IF_ERROR(LoadKeySpec(ks, cmd, &md->key_specs.back()));
    }
  }
  const JsonValue* docs = v.Find("docs");
  if (docs == nullptr) return Bad(cmd, "no docs");
  FERRITE_RETURN_IF_ERROR(LoadDocs(*docs, cmd, &md->docs));
  for (const FinderEntry& f : kFinders) {
    if (f.name == cmd) {
      md->key_finder = f.finder;
      md->finder_store = f.store;
      md->finder_count = f.count;
      md->finder_first = f.first;
    }
  }
  if (const JsonValue* subs = v.Find("subcommands")) {
    for (const JsonValue& sub : subs->array) {
      spec->subcommands.emplace_back();
      FERRITE_RETURN_IF_ERROR(LoadCommand(sub, metadata, &spec->subcommands.back()));
      const std::string& sub_name = spec->subcommands.back().metadata->name;
      if (sub_name.size() <= cmd.size() + 1 || sub_name.compare(0, cmd.size(), cmd) != 0 ||
          sub_name[cmd.size()] != '|') {
        return Bad(cmd, "subcommand " + sub_name + " is not named container|sub");
      }
    }
  }
  spec->name = md->name;
  spec->metadata = md.get();
  metadata->push_back(std::move(md));
  return Status::Ok();
}

// Parses JSON lines into specs (blank lines skipped).
Status ParseLines(std::string_view data, std::vector<std::unique_ptr<CommandMetadata>>* metadata,
                  std::vector<CommandSpec>* out) {
  size_t pos = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    std::string_view line = data.substr(pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Result<JsonValue> value = registry::ParseJson(line);
    if (!value) return value.error();
    out->emplace_back();
    FERRITE_RETURN_IF_ERROR(LoadCommand(*value, metadata, &out->back()));
  }
  return Status::Ok();
}

}  // namespace

Status CommandRegistry::Load(std::string_view data) {
  std::vector<CommandSpec> specs;
  FERRITE_RETURN_IF_ERROR(ParseLines(data, &metadata_, &specs));
  for (CommandSpec& spec : specs) {
    if (spec.name.find('|') != std::string_view::npos) {
      return Status::Corruption("command metadata: top-level entry " + std::string(spec.name));
    }
    commands_.push_back(std::move(spec));
  }
  return Status::Ok();
}

Status CommandRegistry::AddCommands(std::string_view json_lines) {
  std::vector<CommandSpec> specs;
  const size_t first_new = metadata_.size();
  FERRITE_RETURN_IF_ERROR(ParseLines(json_lines, &metadata_, &specs));
  for (size_t i = first_new; i < metadata_.size(); ++i) metadata_[i]->extension = true;
  for (CommandSpec& spec : specs) {
    if (spec.name.size() > kMaxNameLength) {
      return Status::InvalidArgument("command name too long: " + std::string(spec.name));
    }
    if (Find(spec.name) != nullptr) {
      return Status::InvalidArgument("command already exists: " + std::string(spec.name));
    }
    const size_t bar = spec.name.find('|');
    if (bar == std::string_view::npos) {
      commands_.push_back(std::move(spec));
    } else {
      CommandSpec* container = MutableFind(spec.name.substr(0, bar));
      if (container == nullptr || container->name.find('|') != std::string_view::npos ||
          spec.name.find('|', bar + 1) != std::string_view::npos || !spec.subcommands.empty()) {
        return Status::NotFound("no container command for " + std::string(spec.name));
      }
      container->subcommands.push_back(std::move(spec));
    }
    // Inserting may move specs (vector growth): rebuild ids and the name index every time.
    Index();
  }
  return Status::Ok();
}

const char* BuiltinCommandData() { return registry_data::kCommandData; }

}  // namespace ferrite::server
