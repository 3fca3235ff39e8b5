// DEBUG: the subcommands Redis's test suite and tools use. SLEEP, SET-ACTIVE-EXPIRE, OBJECT,
// QUICKLIST-PACKED-THRESHOLD, PROTOCOL (one reply of each RESP type), DIGEST and DIGEST-VALUE
// (commands/digest.h), RELOAD and LOADAOF (ServerContext::debug_reload), HELP.

#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <unordered_map>

#include "base/size_parse.h"
#include "base/string_util.h"
#include "commands/digest.h"
#include "commands/families.h"
#include "commands/object_encoding.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/dispatcher.h"
#include "server/key_locks.h"
#include "server/server_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
namespace errors = resp::errors;
using ferrite::EqualsIgnoreCase;

void Sleep(CommandContext& ctx) {
  // Blocks this event loop, as DEBUG SLEEP blocks Redis: tests use it to hold a connection.
  double seconds = std::strtod(std::string(ctx.argv[2]).c_str(), nullptr);
  if (seconds > 0 && std::isfinite(seconds)) {
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
  }
  ctx.reply.Ok();
}

void QuicklistPackedThreshold(CommandContext& ctx) {
  // Redis stores list elements above this size in "plain" quicklist nodes. Ferrite's lists
  // have no nodes (docs/design/collections.md), so the value is validated and changes nothing.
  auto bytes = ParseMemorySize(ctx.argv[2]);
  if (!bytes || *bytes > (uint64_t{4} << 30)) {
    return ctx.reply.Error(
        "ERR argument must be a memory value bigger than 1 and smaller than 4gb");
  }
  ctx.reply.Ok();
}

void Object(CommandContext& ctx) {
  std::string line;
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[2], [&](const storage::RecordView& r) {
    std::string serialized;
    if (r.object != nullptr) r.object->Serialize(&serialized);
    line = "Value at:0x0 refcount:1 encoding:" + std::string(ValueEncoding(ctx, r)) +
           " serializedlength:" +
           std::to_string(r.object != nullptr ? serialized.size() : r.value.size()) +
           " lru:0 lru_seconds_idle:0 tier:" + std::string(storage::TierName(r.tier));
  });
  if (st.IsPending()) return ctx.SetPending();
  if (!st.ok()) return ctx.reply.Error(errors::kNoSuchKey);
  ctx.reply.SimpleString(line);
}

// One reply of the named RESP type, exactly as Redis 7.0's DEBUG PROTOCOL sends it (client
// libraries and the Tcl suite test their RESP3 parsers with it).
void Protocol(CommandContext& ctx) {
  std::string_view name = ctx.argv[2];
  resp::ReplyBuilder& r = ctx.reply;
  if (EqualsIgnoreCase(name, "string")) return r.Bulk("Hello World");
  if (EqualsIgnoreCase(name, "integer")) return r.Integer(12345);
  if (EqualsIgnoreCase(name, "double")) return r.Double(3.141);
  if (EqualsIgnoreCase(name, "bignum")) return r.BigNumber("1234567999999999999999999999999999999");
  if (EqualsIgnoreCase(name, "null")) return r.Null();
  if (EqualsIgnoreCase(name, "array") || EqualsIgnoreCase(name, "set")) {
    EqualsIgnoreCase(name, "set") ? r.SetHeader(3) : r.ArrayHeader(3);
    for (int j = 0; j < 3; ++j) r.Integer(j);
    return;
  }
  if (EqualsIgnoreCase(name, "map")) {
    r.MapHeader(3);
    for (int j = 0; j < 3; ++j) {
      r.Integer(j);
      r.Bool(j == 1);
    }
    return;
  }
  if (EqualsIgnoreCase(name, "attrib")) {
    // Attributes exist only in RESP3; the real reply follows in both protocols.
    if (r.protocol() >= 3) {
      r.AttributeHeader(1);
      r.Bulk("key-popularity");
      r.ArrayHeader(2);
      r.Bulk("key:123");
      r.Integer(90);
    }
    return r.Bulk("Some real reply following the attribute");
  }
  if (EqualsIgnoreCase(name, "push")) {
    if (r.protocol() < 3) return r.Error("ERR RESP2 is not supported by this command");
    r.PushHeader(2);
    r.Bulk("server-cpu-usage");
    r.Integer(42);
    return r.Bulk("Some real reply following the push reply");
  }
  if (EqualsIgnoreCase(name, "true")) return r.Bool(true);
  if (EqualsIgnoreCase(name, "false")) return r.Bool(false);
  if (EqualsIgnoreCase(name, "verbatim")) return r.Verbatim("txt", "This is a verbatim\nstring");
  r.Error(
      "ERR Wrong protocol type name. Please use one of the following: "
      "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
}

// DEBUG DIGEST: every key of every database, with all key commands held off (every KeyLockTable
// stripe) so the digest is of one moment. A key the scan returns twice counts once.
void DatasetDigest(CommandContext& ctx) {
  Digest dataset{};
  storage::Store& store = ctx.server.store();
  // Inside EXEC the transaction already holds every stripe it needs: no other lock is taken.
  const bool lock = !ctx.client.tx.in_multi;
  ctx.store.Unprotect();  // other commands may need the epoch to move while we wait for locks
  {
    server::KeyLockGuard all(ctx.server.dispatcher().key_locks(), {}, /*all=*/lock);
    ctx.store.Protect();
    std::unordered_map<std::string, Digest> keys;
    for (storage::DbIndex db = 0; db < store.num_databases(); ++db) {
      if (store.KeyCount(db) == 0) continue;
      keys.clear();
      uint64_t cursor = 0;
      do {
        cursor = ctx.store.Scan(db, cursor, 1000,
                                [&](std::string_view key, const storage::RecordView& rec) {
                                  keys.insert_or_assign(std::string(key), KeyDigest(key, rec));
                                });
      } while (cursor != 0);
      if (keys.empty()) continue;
      MixDatabase(&dataset, db);
      for (const auto& [key, digest] : keys) XorInto(&dataset, digest);
    }
    ctx.store.Unprotect();
  }
  ctx.store.Protect();
  ctx.reply.SimpleString(DigestHex(dataset));
}

// DEBUG DIGEST-VALUE key...: each value's digest (40 zeros for a missing key), not the key's.
void ValueDigests(CommandContext& ctx) {
  std::vector<Digest> digests(ctx.argc() - 2, Digest{});
  for (size_t i = 2; i < ctx.argc(); ++i) {
    Status st = ctx.store.Read(ctx.client.db, ctx.argv[i], [&](const storage::RecordView& rec) {
      digests[i - 2] = ValueDigest(rec);
    });
    if (st.IsPending()) return ctx.SetPending();
  }
  ctx.reply.ArrayHeader(digests.size());
  for (const Digest& d : digests) ctx.reply.SimpleString(DigestHex(d));
}

void Reload(CommandContext& ctx, server::DebugReloadRequest request) {
  if (!ctx.server.debug_reload) return ctx.reply.Error("ERR reloading is not available");
  if (ctx.client.tx.in_multi) {
    // Inside EXEC this thread holds the transaction's key stripes, which the reload takes.
    return ctx.reply.Error("ERR Command not allowed inside a transaction");
  }
  ctx.store.Unprotect();
  Status st = ctx.server.debug_reload(ctx.store, request);
  ctx.store.Protect();
  if (!st.ok()) return ctx.reply.Error(st.message());
  ctx.reply.Ok();
}

void ReloadFromCheckpoint(CommandContext& ctx) {
  server::DebugReloadRequest request;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.argv[i];
    if (EqualsIgnoreCase(opt, "merge")) {
      request.merge = true;
    } else if (EqualsIgnoreCase(opt, "noflush")) {
      request.flush = false;
    } else if (EqualsIgnoreCase(opt, "nosave")) {
      request.save = false;
    } else {
      return ctx.reply.Error(
          "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
    }
  }
  Reload(ctx, request);
}

void Help(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DIGEST",
      "    Output a hex signature representing the current DB content.",
      "DIGEST-VALUE <key> [<key> ...]",
      "    Output a hex signature of the values of all the specified keys.",
      "LOADAOF",
      "    Flush the data set and load what a restart would load (checkpoint and AOF).",
      "OBJECT <key>",
      "    Show low level info about the key and associated value.",
      "PROTOCOL <type>",
      "    Reply with a sample of the given RESP type.",
      "QUICKLIST-PACKED-THRESHOLD <size>",
      "    Accepted for compatibility; Ferrite's lists have no quicklist nodes.",
      "RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
      "    Save a checkpoint, flush the data set and load the checkpoint again.",
      "SET-ACTIVE-EXPIRE <0|1>",
      "    Setting it to 0 disables expiring keys in background when they are not accessed.",
      "SLEEP <seconds>",
      "    Stop the server for <seconds>. Decimals allowed.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.SimpleString(line);
}

void Debug(CommandContext& ctx) {
  std::string_view sub = ctx.argv[1];
  const size_t argc = ctx.argc();
  if (EqualsIgnoreCase(sub, "sleep") && argc == 3) return Sleep(ctx);
  if (EqualsIgnoreCase(sub, "set-active-expire") && argc == 3) {
    ctx.server.active_expire_enabled.store(ctx.argv[2] != "0", std::memory_order_relaxed);
    return ctx.reply.Ok();
  }
  if (EqualsIgnoreCase(sub, "quicklist-packed-threshold") && argc == 3) {
    return QuicklistPackedThreshold(ctx);
  }
  if (EqualsIgnoreCase(sub, "object") && argc == 3) return Object(ctx);
  if (EqualsIgnoreCase(sub, "protocol") && argc == 3) return Protocol(ctx);
  if (EqualsIgnoreCase(sub, "digest") && argc == 2) return DatasetDigest(ctx);
  if (EqualsIgnoreCase(sub, "digest-value")) return ValueDigests(ctx);
  if (EqualsIgnoreCase(sub, "reload")) return ReloadFromCheckpoint(ctx);
  if (EqualsIgnoreCase(sub, "loadaof") && argc == 2) {
    return Reload(ctx, server::DebugReloadRequest{.from_aof = true, .save = false});
  }
  if (EqualsIgnoreCase(sub, "help") && argc == 2) return Help(ctx);
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(sub) +
                  "'. Try DEBUG HELP.");
}

constexpr CommandBinding kBindings[] = {{"debug", Debug}};

}  // namespace

std::span<const CommandBinding> DebugFamily() { return kBindings; }

}  // namespace ferrite::commands
