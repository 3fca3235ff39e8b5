// Connection commands: PING ECHO SELECT QUIT RESET HELLO AUTH. The connection reads the
// session's protocol and close_after_reply after each command, so HELLO and QUIT need no more.

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

void Ping(CommandContext& ctx) {
  if (ctx.argc() > 2) return ctx.reply.Error(errors::WrongArity("ping"));
  if (ctx.argc() == 2) return ctx.reply.Bulk(ctx.argv[1]);
  ctx.reply.SimpleString("PONG");
}

void Echo(CommandContext& ctx) { ctx.reply.Bulk(ctx.argv[1]); }

void Select(CommandContext& ctx) {
  int64_t index;
  if (!String2ll(ctx.argv[1], &index)) return ctx.reply.Error(errors::kNotInteger);
  if (index < 0 || index >= static_cast<int64_t>(ctx.server.store().num_databases())) {
    return ctx.reply.Error(errors::kDbIndexOutOfRange);
  }
  ctx.server.clients().Update([&] { ctx.client.db = static_cast<storage::DbIndex>(index); });
  ctx.reply.Ok();
}

// Ferrite has one user, "default", without a password (Redis's out-of-the-box ACL).
bool CheckCredentials(std::string_view user) { return user == "default"; }

void Auth(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.reply.Error(errors::kSyntax);
  if (ctx.argc() == 2) {
    return ctx.reply.Error(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?");
  }
  if (!CheckCredentials(ctx.argv[1])) {
    return ctx.reply.Error("WRONGPASS invalid username-password pair or user is disabled.");
  }
  ctx.reply.Ok();
}

void Hello(CommandContext& ctx) {
  int64_t version = ctx.client.protocol;
  size_t i = 1;
  if (ctx.argc() >= 2) {
    if (!String2ll(ctx.argv[1], &version)) {
      return ctx.reply.Error("ERR Protocol version is not an integer or out of range");
    }
    if (version < 2 || version > 3) {
      return ctx.reply.Error("NOPROTO unsupported protocol version");
    }
    i = 2;
  }
  std::string_view new_name;
  bool set_name = false;
  for (; i < ctx.argc(); ++i) {
    bool more = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(ctx.argv[i], "auth") && i + 2 < ctx.argc()) {
      if (!CheckCredentials(ctx.argv[i + 1])) {
        return ctx.reply.Error("WRONGPASS invalid username-password pair or user is disabled.");
      }
      i += 2;
    } else if (EqualsIgnoreCase(ctx.argv[i], "setname") && more) {
      new_name = ctx.argv[++i];
      for (char c : new_name) {
        if (c < '!' || c > '~') {
          return ctx.reply.Error(
              "ERR Client names cannot contain spaces, newlines or special characters.");
        }
      }
      set_name = true;
    } else {
      return ctx.reply.Error("ERR Syntax error in HELLO option '" + std::string(ctx.argv[i]) + "'");
    }
  }
  if (set_name) ctx.server.clients().Update([&] { ctx.client.name.assign(new_name); });
  ctx.client.protocol = static_cast<int>(version);
  ctx.reply.set_protocol(ctx.client.protocol);
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk("7.0.15");
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(ctx.client.protocol);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk("master");
  ctx.reply.Bulk("modules");
  ctx.reply.ArrayHeader(0);
}

void Reset(CommandContext& ctx) {
  ctx.client.tx.Reset();
  server::Unwatch(ctx.client.tx, ctx.server.watches());
  ctx.client.next_parent_set = false;
  ctx.client.next_parent_sticky = false;
  ctx.server.clients().Update([&] {
    ctx.client.db = 0;
    ctx.client.name.clear();
  });
  ctx.client.protocol = 2;
  ctx.client.no_evict = false;
  ctx.reply.set_protocol(2);
  ctx.reply.SimpleString("RESET");
}

void Quit(CommandContext& ctx) {
  ctx.client.close_after_reply = true;
  ctx.reply.Ok();
}

constexpr CommandBinding kBindings[] = {
    {"auth", Auth}, {"echo", Echo},   {"hello", Hello},   {"ping", Ping},
    {"quit", Quit}, {"reset", Reset}, {"select", Select},
};

}  // namespace

std::span<const CommandBinding> ConnectionFamily() { return kBindings; }

}  // namespace ferrite::commands
