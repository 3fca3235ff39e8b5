#include "server/registry/command_replies.h"

#include <cctype>
#include <string>
#include <vector>

#include "resp/errors.h"
#include "server/registry/string_match.h"

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

void StatusSet(const std::vector<std::string>& items, resp::ReplyBuilder& reply) {
  reply.SetHeader(items.size());
  for (const std::string& s : items) reply.SimpleString(s);
}

size_t ImplementedSubcommands(const CommandSpec& spec) {
  size_t n = 0;
  for (const CommandSpec& sub : spec.subcommands) n += sub.handler != nullptr;
  return n;
}

void KeySpecFlags(uint32_t flags, resp::ReplyBuilder& reply) {
  size_t n = 0;
  for (int i = 0; i < kNumKeySpecFlags; ++i) n += (flags >> i) & 1;
  reply.SetHeader(n);
  for (int i = 0; i < kNumKeySpecFlags; ++i) {
    if ((flags >> i) & 1) reply.SimpleString(KeySpecFlagName(i));
  }
}

void WriteKeySpec(const KeySpec& ks, resp::ReplyBuilder& reply) {
  reply.MapHeader(ks.notes ? 4 : 3);
  if (ks.notes) {
    reply.Bulk("notes");
    reply.Bulk(*ks.notes);
  }
  reply.Bulk("flags");
  KeySpecFlags(ks.flags, reply);

  reply.Bulk("begin_search");
  reply.MapHeader(2);
  reply.Bulk("type");
  switch (ks.begin_search) {
    case KeySpec::BeginSearch::kUnknown:
      reply.Bulk("unknown");
      reply.Bulk("spec");
      reply.MapHeader(0);
      break;
    case KeySpec::BeginSearch::kIndex:
      reply.Bulk("index");
      reply.Bulk("spec");
      reply.MapHeader(1);
      reply.Bulk("index");
      reply.Integer(ks.index);
      break;
    case KeySpec::BeginSearch::kKeyword:
      reply.Bulk("keyword");
      reply.Bulk("spec");
      reply.MapHeader(2);
      reply.Bulk("keyword");
      reply.Bulk(ks.keyword);
      reply.Bulk("startfrom");
      reply.Integer(ks.startfrom);
      break;
  }

  reply.Bulk("find_keys");
  reply.MapHeader(2);
  reply.Bulk("type");
  switch (ks.find_keys) {
    case KeySpec::FindKeys::kUnknown:
      reply.Bulk("unknown");
      reply.Bulk("spec");
      reply.MapHeader(0);
      break;
    case KeySpec::FindKeys::kRange:
      reply.Bulk("range");
      reply.Bulk("spec");
      reply.MapHeader(3);
      reply.Bulk("lastkey");
      reply.Integer(ks.lastkey);
      reply.Bulk("keystep");
      reply.Integer(ks.keystep);
      reply.Bulk("limit");
      reply.Integer(ks.limit);
      break;
    case KeySpec::FindKeys::kKeynum:
      reply.Bulk("keynum");
      reply.Bulk("spec");
      reply.MapHeader(3);
      reply.Bulk("keynumidx");
      reply.Integer(ks.keynumidx);
      reply.Bulk("firstkey");
      reply.Integer(ks.firstkey);
      reply.Bulk("keystep");
      reply.Integer(ks.keystep);
      break;
  }
}

void OptionalField(std::string_view name, const std::optional<std::string>& value,
                   resp::ReplyBuilder& reply) {
  if (!value) return;
  reply.Bulk(name);
  reply.Bulk(*value);
}

void WriteArgs(const std::vector<CommandArg>& args, resp::ReplyBuilder& reply) {
  reply.ArrayHeader(args.size());
  for (const CommandArg& a : args) {
    size_t fields = 2 + (a.key_spec_index != -1) + a.token.has_value() + a.summary.has_value() +
                    a.since.has_value() + a.deprecated_since.has_value() + !a.flags.empty() +
                    a.has_arguments;
    reply.MapHeader(fields);
    reply.Bulk("name");
    reply.Bulk(a.name);
    reply.Bulk("type");
    reply.Bulk(a.type);
    if (a.key_spec_index != -1) {
      reply.Bulk("key_spec_index");
      reply.Integer(a.key_spec_index);
    }
    OptionalField("token", a.token, reply);
    OptionalField("summary", a.summary, reply);
    OptionalField("since", a.since, reply);
    OptionalField("deprecated_since", a.deprecated_since, reply);
    if (!a.flags.empty()) {
      reply.Bulk("flags");
      StatusSet(a.flags, reply);
    }
    if (a.has_arguments) {
      reply.Bulk("arguments");
      WriteArgs(a.arguments, reply);
    }
  }
}

// Arity check for COMMAND's subcommands, as the dispatcher would do it (defence in depth: the
// handler never indexes past argv).
bool CheckArity(const CommandRegistry& registry, const CommandSpec* spec,
                std::span<const std::string_view> argv, resp::ReplyBuilder& reply) {
  if (spec == nullptr) return true;
  const int argc = static_cast<int>(argv.size());
  if ((spec->arity > 0 && argc != spec->arity) || argc < -spec->arity) {
    reply.Error(resp::errors::WrongArity(spec->name));
    return false;
  }
  return true;
}

void AllCommandInfos(const CommandRegistry& registry, resp::ReplyBuilder& reply) {
  reply.ArrayHeader(registry.ImplementedCount());
  for (const CommandSpec& cmd : registry.commands()) {
    if (CommandRegistry::IsImplemented(cmd)) WriteCommandInfo(&cmd, reply);
  }
}

// A name as COMMAND INFO/DOCS accept it ("get", "config|get"), if Ferrite implements it.
const CommandSpec* FindImplemented(const CommandRegistry& registry, std::string_view name) {
  const CommandSpec* spec = registry.Find(name);
  return spec != nullptr && CommandRegistry::IsImplemented(*spec) ? spec : nullptr;
}

void Info(const CommandRegistry& registry, std::span<const std::string_view> argv,
          resp::ReplyBuilder& reply) {
  if (argv.size() == 2) return AllCommandInfos(registry, reply);
  reply.ArrayHeader(argv.size() - 2);
  for (size_t i = 2; i < argv.size(); ++i)
    WriteCommandInfo(FindImplemented(registry, argv[i]), reply);
}

void Docs(const CommandRegistry& registry, std::span<const std::string_view> argv,
          resp::ReplyBuilder& reply) {
  if (argv.size() == 2) {
    reply.MapHeader(registry.ImplementedCount());
    for (const CommandSpec& cmd : registry.commands()) {
      if (!CommandRegistry::IsImplemented(cmd)) continue;
      reply.Bulk(cmd.name);
      WriteCommandDocs(cmd, reply);
    }
    return;
  }
  // Unknown names are skipped, so count first (the map header precedes the entries).
  size_t found = 0;
  for (size_t i = 2; i < argv.size(); ++i) found += FindImplemented(registry, argv[i]) != nullptr;
  reply.MapHeader(found);
  for (size_t i = 2; i < argv.size(); ++i) {
    if (const CommandSpec* spec = FindImplemented(registry, argv[i])) {
      reply.Bulk(spec->name);
      WriteCommandDocs(*spec, reply);
    }
  }
}

constexpr std::string_view kAclCategories[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting",
};

void List(const CommandRegistry& registry, std::span<const std::string_view> argv,
          resp::ReplyBuilder& reply) {
  enum class Filter { kNone, kModule, kAclCat, kPattern } filter = Filter::kNone;
  std::string_view arg;
  for (size_t i = 2; i < argv.size(); ++i) {
    const size_t more = argv.size() - 1 - i;
    if (!EqualsNoCase(argv[i], "filterby") || more != 2) {
      return reply.Error(resp::errors::kSyntax);
    }
    if (EqualsNoCase(argv[i + 1], "module")) {
      filter = Filter::kModule;
    } else if (EqualsNoCase(argv[i + 1], "aclcat")) {
      filter = Filter::kAclCat;
    } else if (EqualsNoCase(argv[i + 1], "pattern")) {
      filter = Filter::kPattern;
    } else {
      return reply.Error(resp::errors::kSyntax);
    }
    arg = argv[i + 2];
    i += 2;
  }
  std::string category;  // "@read" for ACLCAT read; empty if not a category
  if (filter == Filter::kAclCat) {
    for (std::string_view c : kAclCategories) {
      if (EqualsNoCase(c, arg)) category = "@" + std::string(c);
    }
  }
  auto selected = [&](const CommandSpec& spec) {
    switch (filter) {
      case Filter::kNone:
        return true;
      case Filter::kModule:
        return false;  // Ferrite loads no modules
      case Filter::kAclCat:
        if (category.empty()) return false;
        for (const std::string& c : spec.metadata->acl_categories) {
          if (c == category) return true;
        }
        return false;
      case Filter::kPattern:
        return StringMatch(arg, spec.name, /*nocase=*/true);
    }
    return false;
  };
  std::vector<const CommandSpec*> names;
  for (const CommandSpec& cmd : registry.commands()) {
    if (!CommandRegistry::IsImplemented(cmd)) continue;
    if (selected(cmd)) names.push_back(&cmd);
    for (const CommandSpec& sub : cmd.subcommands) {
      if (sub.handler != nullptr && selected(sub)) names.push_back(&sub);
    }
  }
  reply.ArrayHeader(names.size());
  for (const CommandSpec* spec : names) reply.Bulk(spec->name);
}

void GetKeys(const CommandRegistry& registry, std::span<const std::string_view> argv,
             bool with_flags, resp::ReplyBuilder& reply) {
  std::vector<KeyReference> keys;
  std::span<const std::string_view> target = argv.subspan(2);
  Status s = registry.GetKeysForCommand(target, &keys);
  if (!s.ok()) return reply.Error(s.message());
  reply.ArrayHeader(keys.size());
  for (const KeyReference& k : keys) {
    if (!with_flags) {
      reply.Bulk(target[k.pos]);
      continue;
    }
    reply.ArrayHeader(2);
    reply.Bulk(target[k.pos]);
    KeySpecFlags(k.flags, reply);
  }
}

constexpr std::string_view kHelp[] = {
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
    "HELP",
    "    Prints this help.",
};

void Help(std::string_view command, resp::ReplyBuilder& reply) {
  std::string header(command);
  for (char& c : header) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  header += " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:";
  reply.ArrayHeader(1 + std::size(kHelp));
  reply.SimpleString(header);
  for (std::string_view line : kHelp) reply.SimpleString(line);
}

}  // namespace

void WriteCommandInfo(const CommandSpec* spec, resp::ReplyBuilder& reply) {
  if (spec == nullptr) return reply.Null();
  const CommandMetadata& md = *spec->metadata;
  reply.ArrayHeader(10);
  reply.Bulk(spec->name);
  reply.Integer(spec->arity);
  StatusSet(md.flag_names, reply);
  reply.Integer(spec->first_key);
  reply.Integer(spec->last_key);
  reply.Integer(spec->key_step);
  StatusSet(md.acl_categories, reply);
  reply.SetHeader(md.tips.size());
  for (const std::string& tip : md.tips) reply.Bulk(tip);
  reply.SetHeader(md.key_specs.size());
  for (const KeySpec& ks : md.key_specs) WriteKeySpec(ks, reply);
  if (spec->subcommands.empty()) return reply.SetHeader(0);
  reply.ArrayHeader(ImplementedSubcommands(*spec));
  for (const CommandSpec& sub : spec->subcommands) {
    if (sub.handler != nullptr) WriteCommandInfo(&sub, reply);
  }
}

void WriteCommandDocs(const CommandSpec& spec, resp::ReplyBuilder& reply) {
  const CommandDocs& d = spec.metadata->docs;
  const bool container = !spec.subcommands.empty();
  size_t fields = 1 + d.summary.has_value() + d.since.has_value() + d.complexity.has_value() +
                  !d.doc_flags.empty() + d.deprecated_since.has_value() +
                  d.replaced_by.has_value() + d.has_history + d.has_arguments + container;
  reply.MapHeader(fields);
  OptionalField("summary", d.summary, reply);
  OptionalField("since", d.since, reply);
  reply.Bulk("group");
  reply.Bulk(d.group);
  OptionalField("complexity", d.complexity, reply);
  if (!d.doc_flags.empty()) {
    reply.Bulk("doc_flags");
    StatusSet(d.doc_flags, reply);
  }
  OptionalField("deprecated_since", d.deprecated_since, reply);
  OptionalField("replaced_by", d.replaced_by, reply);
  if (d.has_history) {
    reply.Bulk("history");
    reply.SetHeader(d.history.size());
    for (const auto& [version, change] : d.history) {
      reply.ArrayHeader(2);
      reply.Bulk(version);
      reply.Bulk(change);
    }
  }
  if (d.has_arguments) {
    reply.Bulk("arguments");
    WriteArgs(d.arguments, reply);
  }
  if (container) {
    reply.Bulk("subcommands");
    reply.MapHeader(ImplementedSubcommands(spec));
    for (const CommandSpec& sub : spec.subcommands) {
      if (sub.handler == nullptr) continue;
      reply.Bulk(sub.name);
      WriteCommandDocs(sub, reply);
    }
  }
}

void RunCommandCommand(const CommandRegistry& registry, std::span<const std::string_view> argv,
                       resp::ReplyBuilder& reply) {
  if (argv.size() < 2) return AllCommandInfos(registry, reply);
  const CommandSpec* container = registry.Find("command");
  const CommandSpec* sub = container ? registry.FindSubcommand(*container, argv[1]) : nullptr;
  if (sub == nullptr) {
    return reply.Error(resp::errors::UnknownSubcommand(argv[1], "COMMAND"));
  }
  if (!CheckArity(registry, sub, argv, reply)) return;
  const std::string_view name = sub->name.substr(sizeof("command|") - 1);
  if (name == "count") return reply.Integer(static_cast<int64_t>(registry.ImplementedCount()));
  if (name == "info") return Info(registry, argv, reply);
  if (name == "docs") return Docs(registry, argv, reply);
  if (name == "list") return List(registry, argv, reply);
  if (name == "getkeys") return GetKeys(registry, argv, /*with_flags=*/false, reply);
  if (name == "getkeysandflags") return GetKeys(registry, argv, /*with_flags=*/true, reply);
  if (name == "help") return Help(argv[0], reply);
  reply.Error(resp::errors::UnknownSubcommand(argv[1], "COMMAND"));
}

}  // namespace ferrite::server
