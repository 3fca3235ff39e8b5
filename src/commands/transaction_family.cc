// Transactions: MULTI EXEC DISCARD WATCH UNWATCH. EXEC and WATCH need the dispatcher's key
// locks, so their bodies live in server/dispatcher.cc; the state is ClientSession::tx.

#include "commands/families.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/dispatcher.h"
#include "server/server_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
namespace errors = resp::errors;

void Multi(CommandContext& ctx) {
  if (ctx.client.tx.in_multi) return ctx.reply.Error(errors::kMultiNested);
  ctx.client.tx.in_multi = true;
  ctx.reply.Ok();
}

void Discard(CommandContext& ctx) {
  if (!ctx.client.tx.in_multi) return ctx.reply.Error(errors::kDiscardWithoutMulti);
  ctx.client.tx.Reset();
  server::Unwatch(ctx.client.tx, ctx.server.watches());
  ctx.reply.Ok();
}

void Exec(CommandContext& ctx) { ctx.server.dispatcher().Exec(ctx); }

void Watch(CommandContext& ctx) { ctx.server.dispatcher().Watch(ctx); }

void Unwatch(CommandContext& ctx) {
  server::Unwatch(ctx.client.tx, ctx.server.watches());
  ctx.reply.Ok();
}

constexpr CommandBinding kBindings[] = {
    {"discard", Discard}, {"exec", Exec}, {"multi", Multi}, {"unwatch", Unwatch}, {"watch", Watch},
};

}  // namespace

std::span<const CommandBinding> TransactionFamily() { return kBindings; }

}  // namespace ferrite::commands
