// Connection commands: PING ECHO SELECT QUIT RESET HELLO (HELLO and RESET also need the
// connection's cooperation, which the dispatcher provides through ClientSession).

#include <charconv>

#include "commands/families.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/server_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
namespace errors = resp::errors;

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20 || s[0] == '+') return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && !(s.size() > 1 && s[0] == '0') &&
         !(s.size() > 2 && s[0] == '-' && s[1] == '0') && s != "-0";
}

void Ping(CommandContext& ctx) {
  if (ctx.argc() > 2) return ctx.reply.Error(errors::WrongArity("ping"));
  if (ctx.argc() == 2) return ctx.reply.Bulk(ctx.argv[1]);
  ctx.reply.SimpleString("PONG");
}

void Echo(CommandContext& ctx) { ctx.reply.Bulk(ctx.argv[1]); }

void Select(CommandContext& ctx) {
  int64_t index;
  if (!ParseInt64(ctx.argv[1], &index)) return ctx.reply.Error(errors::kInvalidDbIndex);
  if (index < 0 || index >= static_cast<int64_t>(ctx.server.store().num_databases())) {
    return ctx.reply.Error(errors::kDbIndexOutOfRange);
  }
  ctx.server.clients().Update([&] { ctx.client.db = static_cast<storage::DbIndex>(index); });
  ctx.reply.Ok();
}

void Quit(CommandContext& ctx) {
  ctx.client.close_after_reply = true;
  ctx.reply.Ok();
}

constexpr CommandBinding kBindings[] = {
    {"echo", Echo},
    {"ping", Ping},
    {"quit", Quit},
    {"select", Select},
};

}  // namespace

std::span<const CommandBinding> ConnectionFamily() { return kBindings; }

}  // namespace ferrite::commands
