// Server commands on the keyspace as a whole: DBSIZE FLUSHDB FLUSHALL SWAPDB TIME.

#include <chrono>
#include <string>

#include "base/string_util.h"
#include "commands/families.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/server_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
namespace errors = resp::errors;
using ferrite::EqualsIgnoreCase;
using ferrite::String2ll;

// FLUSHDB / FLUSHALL take an optional ASYNC or SYNC; both flush before replying here.
bool ParseFlushMode(CommandContext& ctx) {
  if (ctx.argc() == 1) return true;
  if (ctx.argc() == 2 &&
      (EqualsIgnoreCase(ctx.argv[1], "async") || EqualsIgnoreCase(ctx.argv[1], "sync"))) {
    return true;
  }
  ctx.reply.Error(errors::kSyntax);
  return false;
}

void DbSize(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.store().KeyCount(ctx.client.db)));
}

void FlushDb(CommandContext& ctx) {
  if (!ParseFlushMode(ctx)) return;
  Status st = ctx.server.store().FlushDb(ctx.client.db);
  if (!st.ok()) return ctx.reply.Error("ERR " + st.ToString());
  ctx.server.watches().TouchDb(ctx.client.db);
  ctx.AddDirty();
  ctx.reply.Ok();
}

void FlushAll(CommandContext& ctx) {
  if (!ParseFlushMode(ctx)) return;
  Status st = ctx.server.store().FlushAll();
  if (!st.ok()) return ctx.reply.Error("ERR " + st.ToString());
  for (storage::DbIndex db = 0; db < ctx.server.store().num_databases(); ++db) {
    ctx.server.watches().TouchDb(db);
  }
  ctx.AddDirty();
  ctx.reply.Ok();
}

void SwapDb(CommandContext& ctx) {
  int64_t a, b;
  if (!String2ll(ctx.argv[1], &a)) return ctx.reply.Error("ERR invalid first DB index");
  if (!String2ll(ctx.argv[2], &b)) return ctx.reply.Error("ERR invalid second DB index");
  int64_t n = ctx.server.store().num_databases();
  if (a < 0 || a >= n || b < 0 || b >= n) return ctx.reply.Error(errors::kDbIndexOutOfRange);
  Status st =
      ctx.server.store().SwapDb(static_cast<storage::DbIndex>(a), static_cast<storage::DbIndex>(b));
  if (!st.ok()) return ctx.reply.Error("ERR " + st.ToString());
  ctx.server.watches().TouchDb(static_cast<storage::DbIndex>(a));
  ctx.server.watches().TouchDb(static_cast<storage::DbIndex>(b));
  // Clients blocked in either database may now find their keys (Redis's SWAPDB does the same).
  ctx.SignalDbReady(static_cast<storage::DbIndex>(a));
  ctx.SignalDbReady(static_cast<storage::DbIndex>(b));
  ctx.AddDirty();
  ctx.reply.Ok();
}

// Ferrite has no scripting, so it holds no function libraries: FUNCTION FLUSH empties an empty
// set (as Redis answers on a server without libraries) and FUNCTION LIST lists none. Clients and
// test harnesses call FLUSH to reset a server between tests.
void FunctionFlush(CommandContext& ctx) {
  if (ctx.argc() > 3 || (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.argv[2], "async") &&
                         !EqualsIgnoreCase(ctx.argv[2], "sync"))) {
    return ctx.reply.Error(errors::kSyntax);
  }
  ctx.reply.Ok();
}

void FunctionList(CommandContext& ctx) {
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.argv[i], "withcode")) continue;
    if (EqualsIgnoreCase(ctx.argv[i], "libraryname") && i + 1 < ctx.argc()) {
      ++i;
      continue;
    }
    return ctx.reply.Error("ERR Unknown argument " + std::string(ctx.argv[i]));
  }
  ctx.reply.ArrayHeader(0);
}

void Time(CommandContext& ctx) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(us / 1000000));
  ctx.reply.Bulk(std::to_string(us % 1000000));
}

constexpr CommandBinding kBindings[] = {
    {"dbsize", DbSize},
    {"flushall", FlushAll},
    {"flushdb", FlushDb},
    {"function|flush", FunctionFlush},
    {"function|list", FunctionList},
    {"swapdb", SwapDb},
    {"time", Time},
};

}  // namespace

std::span<const CommandBinding> ServerFamily() { return kBindings; }

}  // namespace ferrite::commands
