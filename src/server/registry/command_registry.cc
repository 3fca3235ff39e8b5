#include "server/registry/command_registry.h"

#include <algorithm>

namespace ferrite::server {

const char* BuiltinCommandData();    // metadata_loader.cc
const char* FerriteExtensionData();  // extension_commands.cc

namespace {

constexpr std::string_view kKeySpecFlagNames[kNumKeySpecFlags] = {
    "RO",     "RW",     "OW",      "RM",         "access",         "update",
    "insert", "delete", "not_key", "incomplete", "variable_flags",
};

inline char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Lower-cases `name` into `buf` (kMaxNameLength bytes); false if it does not fit.
bool LowerInto(std::string_view name, char* buf) {
  if (name.size() > CommandRegistry::kMaxNameLength) return false;
  for (size_t i = 0; i < name.size(); ++i) buf[i] = ToLower(name[i]);
  return true;
}

}  // namespace

std::string_view KeySpecFlagName(int bit_index) {
  return bit_index >= 0 && bit_index < kNumKeySpecFlags ? kKeySpecFlagNames[bit_index]
                                                        : std::string_view();
}

Result<std::unique_ptr<CommandRegistry>> CommandRegistry::Create() {
  auto registry = CreateFromData(BuiltinCommandData());
  if (!registry) return registry;
  Status s = (*registry)->AddCommands(FerriteExtensionData());
  if (!s.ok()) return s;
  return registry;
}

Result<std::unique_ptr<CommandRegistry>> CommandRegistry::CreateFromData(std::string_view data) {
  std::unique_ptr<CommandRegistry> registry(new CommandRegistry());
  Status s = registry->Load(data);
  if (!s.ok()) return s;
  registry->Index();
  // Index() keeps the first of duplicate names; the data must not have any.
  if (registry->by_name_.size() != registry->by_id_.size()) {
    return Status::Corruption("command metadata: duplicate command names");
  }
  for (const auto& [name, spec] : registry->by_name_) {
    if (name.size() > kMaxNameLength) {
      return Status::Corruption("command metadata: name longer than kMaxNameLength");
    }
  }
  return registry;
}

// Ids follow COMMAND LIST's order: each container, then its subcommands.
void CommandRegistry::Index() {
  std::sort(commands_.begin(), commands_.end(),
            [](const CommandSpec& a, const CommandSpec& b) { return a.name < b.name; });
  by_id_.clear();
  by_name_.clear();
  for (CommandSpec& cmd : commands_) {
    std::sort(cmd.subcommands.begin(), cmd.subcommands.end(),
              [](const CommandSpec& a, const CommandSpec& b) { return a.name < b.name; });
    cmd.id = static_cast<uint32_t>(by_id_.size());
    by_id_.push_back(&cmd);
    by_name_.emplace(cmd.name, &cmd);
    for (CommandSpec& sub : cmd.subcommands) {
      sub.id = static_cast<uint32_t>(by_id_.size());
      by_id_.push_back(&sub);
      by_name_.emplace(sub.name, &sub);
    }
  }
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  char buf[kMaxNameLength];
  if (!LowerInto(name, buf)) return nullptr;
  auto it = by_name_.find(std::string_view(buf, name.size()));
  return it == by_name_.end() ? nullptr : it->second;
}

CommandSpec* CommandRegistry::MutableFind(std::string_view name) {
  return const_cast<CommandSpec*>(Find(name));
}

const CommandSpec* CommandRegistry::FindSubcommand(const CommandSpec& container,
                                                   std::string_view sub) const {
  if (container.subcommands.empty()) return nullptr;
  const size_t n = container.name.size() + 1 + sub.size();
  char buf[kMaxNameLength];
  if (n > kMaxNameLength || sub.find('|') != std::string_view::npos) return nullptr;
  std::copy(container.name.begin(), container.name.end(), buf);
  buf[container.name.size()] = '|';
  for (size_t i = 0; i < sub.size(); ++i) buf[container.name.size() + 1 + i] = ToLower(sub[i]);
  auto it = by_name_.find(std::string_view(buf, n));
  return it == by_name_.end() ? nullptr : it->second;
}

const CommandSpec* CommandRegistry::Lookup(std::span<const std::string_view> argv) const {
  if (argv.empty() || argv[0].find('|') != std::string_view::npos) return nullptr;
  const CommandSpec* base = Find(argv[0]);
  if (base == nullptr || argv.size() == 1 || base->subcommands.empty()) return base;
  return FindSubcommand(*base, argv[1]);
}

Status CommandRegistry::SetHandler(std::string_view name, CommandHandler handler) {
  CommandSpec* spec = MutableFind(name);
  if (spec == nullptr) {
    return Status::NotFound("no Redis 7.0 command named '" + std::string(name) + "'");
  }
  spec->handler = handler;
  return Status::Ok();
}

bool CommandRegistry::IsImplemented(const CommandSpec& spec) {
  if (spec.handler != nullptr) return true;
  for (const CommandSpec& sub : spec.subcommands) {
    if (sub.handler != nullptr) return true;
  }
  return false;
}

size_t CommandRegistry::ImplementedCount() const {
  return static_cast<size_t>(std::count_if(commands_.begin(), commands_.end(),
                                           [](const CommandSpec& c) { return IsImplemented(c); }));
}

std::string_view CanonicalName(const CommandSpec& spec) {
  return spec.metadata != nullptr ? std::string_view(spec.metadata->canonical) : spec.name;
}

}  // namespace ferrite::server
