// COMMAND and its subcommands (COUNT INFO DOCS LIST GETKEYS GETKEYSANDFLAGS HELP). The replies
// are built from the command registry by server/registry/command_replies.h, which reproduces
// Redis 7.0's bytes; this file only binds them to the dispatcher's handler signature.

#include <span>

#include "commands/families.h"
#include "server/command_context.h"
#include "server/registry/command_replies.h"
#include "server/server_context.h"

namespace ferrite::commands {
namespace {

// One handler for the container and every subcommand: argv still holds the subcommand name.
void Command(server::CommandContext& ctx) {
  server::RunCommandCommand(ctx.server.registry(), ctx.argv, ctx.reply);
}

constexpr CommandBinding kBindings[] = {
    {"command", Command},
    {"command|count", Command},
    {"command|docs", Command},
    {"command|getkeys", Command},
    {"command|getkeysandflags", Command},
    {"command|help", Command},
    {"command|info", Command},
    {"command|list", Command},
};

}  // namespace

std::span<const CommandBinding> CommandFamily() { return kBindings; }

}  // namespace ferrite::commands
