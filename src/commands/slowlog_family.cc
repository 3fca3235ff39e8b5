// SLOWLOG GET | LEN | RESET | HELP over the process-wide slowlog (server/slowlog.h), with Redis
// 7.0's replies and error texts. Entries are added by the dispatcher (server::LogCommand).

#include <cstdint>
#include <iterator>
#include <string>

#include "base/string_util.h"
#include "commands/families.h"
#include "server/command_context.h"
#include "server/slowlog.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;

void SlowlogGet(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                           std::string(ctx.argv[1]) + "'. Try SLOWLOG HELP.");
  }
  server::Slowlog& slowlog = server::GlobalSlowlog();
  int64_t count = 10;
  if (ctx.argc() == 3) {
    // Redis 7.0 answers both a non-integer and a value below -1 with this message.
    if (!String2ll(ctx.argv[2], &count) || count < -1) {
      return ctx.reply.Error("ERR count should be greater than or equal to -1");
    }
  }
  std::vector<server::SlowlogEntry> entries =
      slowlog.Get(count == -1 ? SIZE_MAX : static_cast<size_t>(count));
  ctx.reply.ArrayHeader(entries.size());
  for (const server::SlowlogEntry& e : entries) {
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.unix_seconds);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.ArrayHeader(e.argv.size());
    for (const std::string& arg : e.argv) ctx.reply.Bulk(arg);
    ctx.reply.Bulk(e.client_addr);
    ctx.reply.Bulk(e.client_name);
  }
}

void SlowlogLen(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(server::GlobalSlowlog().Len()));
}

void SlowlogReset(CommandContext& ctx) {
  server::GlobalSlowlog().Reset();
  ctx.reply.Ok();
}

void SlowlogHelp(CommandContext& ctx) {
  static constexpr const char* kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.SimpleString(line);
}

constexpr CommandBinding kBindings[] = {
    {"slowlog|get", SlowlogGet},
    {"slowlog|help", SlowlogHelp},
    {"slowlog|len", SlowlogLen},
    {"slowlog|reset", SlowlogReset},
};

}  // namespace

std::span<const CommandBinding> SlowlogFamily() { return kBindings; }

}  // namespace ferrite::commands
