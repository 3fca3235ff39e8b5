// CONFIG GET | SET | RESETSTAT | REWRITE | HELP over the runtime configuration
// (server/config/runtime_config.h), which carries Redis's parameter names and error texts.

#include <string>
#include <utility>
#include <vector>

#include "commands/families.h"
#include "resp/errors.h"
#include "server/command_context.h"
#include "server/config/runtime_config.h"
#include "server/server_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;

void ConfigGet(CommandContext& ctx) {
  auto pairs = ctx.server.runtime_config().Get(ctx.argv.subspan(2));
  ctx.reply.MapHeader(pairs.size());
  for (const auto& [name, value] : pairs) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(value);
  }
}

void ConfigSet(CommandContext& ctx) {
  if ((ctx.argc() - 2) % 2 != 0) return ctx.reply.Error(resp::errors::WrongArity("config|set"));
  std::vector<std::pair<std::string_view, std::string_view>> changes;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) changes.emplace_back(ctx.argv[i], ctx.argv[i + 1]);
  Status st = ctx.server.runtime_config().Set(changes);
  if (!st.ok()) return ctx.reply.Error(st.message());
  ctx.reply.Ok();
}

void ConfigResetStat(CommandContext& ctx) {
  ctx.server.runtime_config().ResetStats();
  ctx.reply.Ok();
}

void ConfigRewrite(CommandContext& ctx) {
  Status st = ctx.server.runtime_config().Rewrite();
  if (!st.ok()) return ctx.reply.Error(st.message());
  ctx.reply.Ok();
}

void ConfigHelp(CommandContext& ctx) {
  static constexpr const char* kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.SimpleString(line);
}

constexpr CommandBinding kBindings[] = {
    {"config|get", ConfigGet},
    {"config|help", ConfigHelp},
    {"config|resetstat", ConfigResetStat},
    {"config|rewrite", ConfigRewrite},
    {"config|set", ConfigSet},
};

}  // namespace

std::span<const CommandBinding> ConfigFamily() { return kBindings; }

}  // namespace ferrite::commands
