#pragma once
// The COMMAND command's replies (COMMAND, COUNT, INFO, DOCS, LIST, GETKEYS, GETKEYSANDFLAGS,
// HELP), written from the CommandRegistry exactly as Redis 7.0 writes them, in RESP2 and RESP3.
//
// Only implemented commands appear (see CommandRegistry::IsImplemented), and a container shows
// only its implemented subcommands. Commands come in name order (Redis's order is its hash
// table's, which clients cannot rely on).
//
// commands/command_family.cc wraps RunCommandCommand in the handler it binds to "command" and
// each "command|..." subcommand; tests call these functions directly.
//
// Thread safety: reads the immutable registry; the ReplyBuilder belongs to the caller's thread.

#include <span>
#include <string_view>

#include "resp/reply_builder.h"
#include "server/registry/command_registry.h"

namespace ferrite::server {

// COMMAND [subcommand args...]; argv[0] is "COMMAND" as the client sent it.
void RunCommandCommand(const CommandRegistry& registry, std::span<const std::string_view> argv,
                       resp::ReplyBuilder& reply);

// One COMMAND INFO entry (10 fields); nullptr writes Redis's null entry.
void WriteCommandInfo(const CommandSpec* spec, resp::ReplyBuilder& reply);
// One COMMAND DOCS value (the map that follows the command's name).
void WriteCommandDocs(const CommandSpec& spec, resp::ReplyBuilder& reply);

}  // namespace ferrite::server
