// CLIENT subcommands: ID SETNAME GETNAME SETINFO LIST INFO KILL UNBLOCK NO-EVICT HELP.

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/string_util.h"
#include "commands/families.h"
#include "resp/errors.h"
#include "server/blocking.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/server_context.h"
#include "telemetry/api/trace_context.h"

namespace ferrite::commands {
namespace {

using server::ClientSession;
using server::CommandContext;
namespace errors = resp::errors;
using ferrite::EqualsIgnoreCase;

// Redis's validation for names and library strings: printable ASCII without spaces.
bool ValidClientString(std::string_view s) {
  for (char c : s) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

bool IsPubSubClient(const ClientSession& c) {
  return c.pubsub.sub.load(std::memory_order_relaxed) +
             c.pubsub.psub.load(std::memory_order_relaxed) +
             c.pubsub.ssub.load(std::memory_order_relaxed) >
         0;
}

// The flags field: P (subscribed), b (blocked), or N for none.
std::string Flags(const ClientSession& c) {
  std::string flags;
  if (IsPubSubClient(c)) flags += 'P';
  if (c.blocked.load(std::memory_order_relaxed)) flags += 'b';
  return flags.empty() ? "N" : flags;
}

// CLIENT LIST / KILL TYPE: a subscribed client is of type pubsub, any other one normal (Ferrite
// has no replicas or masters). Returns false for an unknown type name.
bool ParseType(std::string_view type, int* out) {
  if (EqualsIgnoreCase(type, "normal")) {
    *out = 0;
  } else if (EqualsIgnoreCase(type, "pubsub")) {
    *out = 1;
  } else if (EqualsIgnoreCase(type, "master") || EqualsIgnoreCase(type, "replica") ||
             EqualsIgnoreCase(type, "slave")) {
    *out = 2;
  } else {
    return false;
  }
  return true;
}

bool MatchesType(const ClientSession& c, int type) {
  if (type < 0) return true;
  if (type == 2) return false;
  return IsPubSubClient(c) == (type == 1);
}

// One CLIENT LIST line, Redis 7.0's fields in order (plus lib-name / lib-ver from SETINFO).
// REQUIRES: the client registry lock (name and lib fields).
std::string Describe(const ClientSession& c, int64_t now_ms) {
  const server::CommandSpec* last = c.last_command.load(std::memory_order_relaxed);
  int64_t idle = (now_ms - c.last_interaction_ms.load(std::memory_order_relaxed)) / 1000;
  size_t qbuf = c.query_buffer_bytes.load(std::memory_order_relaxed);
  size_t omem = c.output_buffer_bytes.load(std::memory_order_relaxed);
  std::string s;
  s.reserve(300);
  s += "id=" + std::to_string(c.id);
  s += " addr=" + c.addr;
  s += " laddr=" + c.laddr;
  s += " fd=" + std::to_string(c.fd);
  s += " name=" + c.name;
  s += " age=" + std::to_string((now_ms - c.created_ms) / 1000);
  s += " idle=" + std::to_string(idle < 0 ? 0 : idle);
  s += " flags=" + Flags(c);
  s += " db=" + std::to_string(c.db);
  s += " sub=" + std::to_string(c.pubsub.sub.load(std::memory_order_relaxed));
  s += " psub=" + std::to_string(c.pubsub.psub.load(std::memory_order_relaxed));
  s += " ssub=" + std::to_string(c.pubsub.ssub.load(std::memory_order_relaxed));
  s += " multi=-1";
  s += " qbuf=" + std::to_string(qbuf) + " qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0";
  s += " obl=0 oll=0 omem=" + std::to_string(omem);
  s += " tot-mem=" + std::to_string(qbuf + omem);
  s += " events=r";
  s += " cmd=" + std::string(last ? last->name : "NULL");
  s += " user=default redir=-1";
  s += " resp=" + std::to_string(c.protocol);
  s += " lib-name=" + c.lib_name + " lib-ver=" + c.lib_ver;
  return s;
}

void ClientId(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.client.id)); }

void ClientSetName(CommandContext& ctx) {
  std::string_view name = ctx.argv[2];
  if (!ValidClientString(name)) {
    return ctx.reply.Error(
        "ERR Client names cannot contain spaces, newlines or special characters.");
  }
  ctx.server.clients().Update([&] { ctx.client.name.assign(name); });
  ctx.reply.Ok();
}

void ClientGetName(CommandContext& ctx) {
  if (ctx.client.name.empty()) return ctx.reply.Null();
  ctx.reply.Bulk(ctx.client.name);
}

void ClientSetInfo(CommandContext& ctx) {
  std::string_view attr = ctx.argv[2], value = ctx.argv[3];
  bool lib_name = EqualsIgnoreCase(attr, "lib-name"), lib_ver = EqualsIgnoreCase(attr, "lib-ver");
  if (!lib_name && !lib_ver) {
    return ctx.reply.Error("ERR Unrecognized option '" + std::string(attr) + "'");
  }
  if (!ValidClientString(value)) {
    return ctx.reply.Error("ERR " + std::string(lib_name ? "lib-name" : "lib-ver") +
                           " cannot contain spaces, newlines or special characters.");
  }
  ctx.server.clients().Update(
      [&] { (lib_name ? ctx.client.lib_name : ctx.client.lib_ver) = value; });
  ctx.reply.Ok();
}

void ClientInfo(CommandContext& ctx) {
  std::string line;
  int64_t now = ctx.server.NowMs();
  ctx.server.clients().Update([&] { line = Describe(ctx.client, now); });
  ctx.reply.Verbatim("txt", line + "\n");
}

void ClientList(CommandContext& ctx) {
  std::vector<uint64_t> ids;
  int type = -1;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.argv[i], "type") && i + 1 < ctx.argc()) {
      std::string_view name = ctx.argv[++i];
      if (!ParseType(name, &type)) {
        return ctx.reply.Error("ERR Unknown client type '" + std::string(name) + "'");
      }
    } else if (EqualsIgnoreCase(ctx.argv[i], "id") && i + 1 < ctx.argc()) {
      for (++i; i < ctx.argc(); ++i) {
        char* end = nullptr;
        std::string arg(ctx.argv[i]);
        unsigned long long id = std::strtoull(arg.c_str(), &end, 10);
        if (arg.empty() || *end != '\0' || id == 0) {
          return ctx.reply.Error("ERR Invalid client ID");
        }
        ids.push_back(id);
      }
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  std::string out;
  int64_t now = ctx.server.NowMs();
  ctx.server.clients().ForEach([&](ClientSession& c) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), c.id) == ids.end()) return;
    if (!MatchesType(c, type)) return;
    out += Describe(c, now);
    out += '\n';
  });
  ctx.reply.Verbatim("txt", out);
}

void ClientKill(CommandContext& ctx) {
  // Old form: CLIENT KILL addr:port -> +OK or an error.
  if (ctx.argc() == 3) {
    bool found = false;
    ctx.server.clients().ForEach([&](ClientSession& c) {
      if (c.addr == ctx.argv[2]) {
        found = true;
        if (&c == &ctx.client) ctx.client.close_after_reply = true;
        c.kill_requested.store(true, std::memory_order_relaxed);
      }
    });
    if (!found) return ctx.reply.Error("ERR No such client");
    return ctx.reply.Ok();
  }
  // New form: filters, all of which must match; replies with the number killed.
  std::string addr, laddr;
  uint64_t id = 0;
  int type = -1;
  bool skipme = true, by_id = false;
  if ((ctx.argc() - 2) % 2 != 0) return ctx.reply.Error(errors::kSyntax);
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    std::string_view opt = ctx.argv[i], val = ctx.argv[i + 1];
    if (EqualsIgnoreCase(opt, "id")) {
      char* end = nullptr;
      std::string v(val);
      id = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || id == 0) {
        return ctx.reply.Error("ERR client-id should be greater than 0");
      }
      by_id = true;
    } else if (EqualsIgnoreCase(opt, "addr")) {
      addr = val;
    } else if (EqualsIgnoreCase(opt, "laddr")) {
      laddr = val;
    } else if (EqualsIgnoreCase(opt, "type")) {
      if (!ParseType(val, &type)) {
        return ctx.reply.Error("ERR Unknown client type '" + std::string(val) + "'");
      }
    } else if (EqualsIgnoreCase(opt, "user")) {
      if (val != "default") return ctx.reply.Error("ERR No such user '" + std::string(val) + "'");
    } else if (EqualsIgnoreCase(opt, "skipme")) {
      if (EqualsIgnoreCase(val, "yes")) {
        skipme = true;
      } else if (EqualsIgnoreCase(val, "no")) {
        skipme = false;
      } else {
        return ctx.reply.Error(errors::kSyntax);
      }
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  int64_t killed = 0;
  ctx.server.clients().ForEach([&](ClientSession& c) {
    if (by_id && c.id != id) return;
    if (!addr.empty() && c.addr != addr) return;
    if (!laddr.empty() && c.laddr != laddr) return;
    if (!MatchesType(c, type)) return;
    if (&c == &ctx.client) {
      if (skipme) return;
      ctx.client.close_after_reply = true;
    }
    c.kill_requested.store(true, std::memory_order_relaxed);
    ++killed;
  });
  ctx.reply.Integer(killed);
}

// CLIENT UNBLOCK <id> [TIMEOUT|ERROR]: the blocked client answers as on a timeout, or with
// -UNBLOCKED. It runs on the client's own loop; 1 means the client was blocked when asked.
void ClientUnblock(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                           std::string(ctx.argv[1]) + "'. Try CLIENT HELP.");
  }
  bool error = false;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.argv[3], "error")) {
      error = true;
    } else if (!EqualsIgnoreCase(ctx.argv[3], "timeout")) {
      return ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  }
  int64_t id;
  if (!String2ll(ctx.argv[2], &id)) return ctx.reply.Error(errors::kNotInteger);
  bool unblocked = id > 0 && ctx.server.blocking().RequestUnblock(static_cast<uint64_t>(id), error);
  ctx.reply.Integer(unblocked ? 1 : 0);
}

void ClientNoEvict(CommandContext& ctx) {
  std::string_view v = ctx.argv[2];
  if (EqualsIgnoreCase(v, "on")) {
    ctx.client.no_evict = true;
  } else if (EqualsIgnoreCase(v, "off")) {
    ctx.client.no_evict = false;
  } else {
    return ctx.reply.Error(errors::kSyntax);
  }
  ctx.reply.Ok();
}

// CLIENT TRACEPARENT <traceparent> [<tracestate>] | STICKY <traceparent> [<tracestate>] | CLEAR
// Sets the W3C parent of the next command on this connection (every command, when STICKY). An
// invalid traceparent is ignored as W3C requires (the command starts a new trace) and still gets
// +OK, so a client never fails because of its tracing.
void ClientTraceparent(CommandContext& ctx) {
  size_t i = 2;
  if (EqualsIgnoreCase(ctx.argv[i], "clear")) {
    if (ctx.argc() != 3) return ctx.reply.Error(errors::kSyntax);
    ctx.client.next_parent_set = false;
    ctx.client.next_parent_sticky = false;
    return ctx.reply.Ok();
  }
  bool sticky = false;
  if (EqualsIgnoreCase(ctx.argv[i], "sticky")) {
    sticky = true;
    ++i;
  }
  if (i >= ctx.argc() || ctx.argc() > i + 2) return ctx.reply.Error(errors::kSyntax);
  std::optional<telemetry::SpanContext> parent = telemetry::ParseTraceparent(ctx.argv[i]);
  if (parent) {
    parent->remote = true;
    if (i + 1 < ctx.argc()) parent->trace_state.Assign(ctx.argv[i + 1]);
    ctx.client.next_parent = *parent;
  }
  ctx.client.next_parent_set = parent.has_value();
  ctx.client.next_parent_sticky = parent.has_value() && sticky;
  ctx.reply.Ok();
}

void ClientHelp(CommandContext& ctx) {
  static constexpr const char* kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are: ID, ADDR, LADDR, TYPE, USER, SKIPME.",
      "LIST [options ...]",
      "    Return information about client connections. Options: TYPE, ID.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "SETINFO <LIB-NAME|LIB-VER> <value>",
      "    Set client library name or version.",
      "TRACEPARENT <traceparent> [<tracestate>] | STICKY ... | CLEAR",
      "    Set the W3C trace context of the next command (or every command, STICKY).",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.SimpleString(line);
}

constexpr CommandBinding kBindings[] = {
    {"client|getname", ClientGetName},
    {"client|help", ClientHelp},
    {"client|id", ClientId},
    {"client|info", ClientInfo},
    {"client|kill", ClientKill},
    {"client|list", ClientList},
    {"client|no-evict", ClientNoEvict},
    {"client|setinfo", ClientSetInfo},
    {"client|setname", ClientSetName},
    {"client|traceparent", ClientTraceparent},
    {"client|unblock", ClientUnblock},
};

}  // namespace

std::span<const CommandBinding> ClientFamily() { return kBindings; }

}  // namespace ferrite::commands
