// Keyspace commands: DEL UNLINK EXISTS TYPE RENAME RENAMENX COPY MOVE KEYS SCAN RANDOMKEY TOUCH
// OBJECT, and the EXPIRE / TTL / PERSIST handlers of commands/expire_ops.h (db.c, expire.c,
// object.c in Redis 7.0).
//
// Multi-key and cross-database commands read every record they need before writing anything, so
// a record found on disk (Pending) leaves nothing half done; the dispatcher holds the locks of
// all keys involved, including the other database's for COPY ... DB and MOVE.

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_util.h"
#include "commands/expire_ops.h"
#include "commands/families.h"
#include "commands/object_encoding.h"
#include "commands/string_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/server_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
using storage::DbIndex;
using storage::RecordBuilder;
using storage::RecordView;
using storage::ValueType;
namespace errors = resp::errors;

constexpr auto kIgnoreRecord = [](const RecordView&) {};

// Redis's getIntFromObjectOrReply followed by selectDb's range check (MOVE, COPY ... DB).
bool ParseDbOrReply(CommandContext& ctx, std::string_view arg, DbIndex* db) {
  int64_t v;
  if (!String2ll(arg, &v)) {
    ctx.reply.Error(errors::kNotInteger);
    return false;
  }
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    ctx.reply.Error("ERR value is out of range, value must between -2147483648 and 2147483647");
    return false;
  }
  if (v < 0 || v >= static_cast<int64_t>(ctx.server.store().num_databases())) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return false;
  }
  *db = static_cast<DbIndex>(v);
  return true;
}

// A list or sorted set written under a key may serve clients blocked on it (BLPOP, BZPOPMIN).
// SignalKeyReady covers the client's own database, which is where RENAME and COPY write.
bool WakesBlockedClients(ValueType type) {
  return type == ValueType::kList || type == ValueType::kZSet;
}

// Reads the whole record at `key` into `out`. OK, NotFound, or a failure already replied to.
Status ReadRecord(CommandContext& ctx, DbIndex db, std::string_view key, RecordBuilder* out) {
  return ctx.store.Read(db, key, [&](const RecordView& r) {
    out->type = r.type;
    out->expire_at_ms = r.expire_at_ms;
    out->value.assign(r.value);
    // A collection is copied whole (O(n), where Redis moves a pointer): the engine's records own
    // their objects, and RENAME/MOVE/COPY write a new record.
    if (r.object != nullptr) out->object = r.object->Clone();
  });
}

// ---------------------------------------------------------------------------------------------
// DEL UNLINK EXISTS TYPE TOUCH

void Del(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    // Establish residency of every key first: a Pending after some deletions would lose them
    // from the reply count and from propagation when the command re-runs.
    for (size_t i = 1; i < ctx.argc(); ++i) {
      Status st = ctx.store.Read(ctx.client.db, ctx.argv[i], kIgnoreRecord);
      if (st.IsPending()) return ctx.SetPending();
    }
  }
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Status st = ctx.store.Delete(ctx.client.db, ctx.argv[i]);
    if (st.ok()) {
      ++deleted;
    } else if (!st.IsNotFound()) {
      ctx.AddDirty(deleted);
      ReplyStoreFailure(ctx, st);
      return;
    }
  }
  ctx.AddDirty(deleted);
  ctx.reply.Integer(deleted);
}

// EXISTS and TOUCH: the number of keys present, a key named twice counting twice.
void CountExisting(CommandContext& ctx) {
  int64_t found = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Status st = ctx.store.Read(ctx.client.db, ctx.argv[i], kIgnoreRecord);
    if (ReplyStoreFailure(ctx, st)) return;
    if (st.ok()) ++found;
  }
  CountKeyspace(ctx, static_cast<uint64_t>(found), ctx.argc() - 1 - static_cast<uint64_t>(found));
  ctx.reply.Integer(found);
}

void Type(CommandContext& ctx) {
  ValueType type = ValueType::kString;
  Status st =
      ctx.store.Read(ctx.client.db, ctx.argv[1], [&](const RecordView& r) { type = r.type; });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    return ctx.reply.SimpleString("none");
  }
  if (ReplyStoreFailure(ctx, st)) return;
  CountKeyspaceHit(ctx);
  ctx.reply.SimpleString(TypeName(type));
}

// ---------------------------------------------------------------------------------------------
// RENAME RENAMENX MOVE COPY

void RenameGeneric(CommandContext& ctx, bool nx) {
  const std::string_view src = ctx.argv[1], dst = ctx.argv[2];
  const DbIndex db = ctx.client.db;
  RecordBuilder record;
  Status st = ReadRecord(ctx, db, src, &record);
  if (st.IsNotFound()) return ctx.reply.Error(errors::kNoSuchKey);
  if (ReplyStoreFailure(ctx, st)) return;
  if (src == dst) return nx ? ctx.reply.Integer(0) : ctx.reply.Ok();
  if (nx) {
    st = ctx.store.Read(db, dst, kIgnoreRecord);
    if (st.ok()) return ctx.reply.Integer(0);
    if (ReplyStoreFailure(ctx, st)) return;
  }
  // The TTL travels with the value; the target's own TTL is replaced.
  const bool wakes = WakesBlockedClients(record.type);
  if (ReplyStoreFailure(ctx, ctx.store.Upsert(db, dst, record))) return;
  if (wakes) ctx.SignalKeyReady(dst);
  st = ctx.store.Delete(db, src);
  ctx.AddDirty();
  if (ReplyStoreFailure(ctx, st)) return;
  nx ? ctx.reply.Integer(1) : ctx.reply.Ok();
}

void Rename(CommandContext& ctx) { RenameGeneric(ctx, false); }
void RenameNx(CommandContext& ctx) { RenameGeneric(ctx, true); }

void Move(CommandContext& ctx) {
  DbIndex target;
  if (!ParseDbOrReply(ctx, ctx.argv[2], &target)) return;
  const DbIndex source = ctx.client.db;
  if (target == source) return ctx.reply.Error(errors::kSameObject);
  const std::string_view key = ctx.argv[1];
  RecordBuilder record;
  Status st = ReadRecord(ctx, source, key, &record);
  if (st.IsNotFound()) return ctx.reply.Integer(0);
  if (ReplyStoreFailure(ctx, st)) return;
  st = ctx.store.Read(target, key, kIgnoreRecord);
  if (st.ok()) return ctx.reply.Integer(0);
  if (ReplyStoreFailure(ctx, st)) return;
  if (ReplyStoreFailure(ctx, ctx.store.Upsert(target, key, record))) return;
  st = ctx.store.Delete(source, key);
  ctx.AddDirty();
  if (ReplyStoreFailure(ctx, st)) return;
  ctx.reply.Integer(1);
}

void Copy(CommandContext& ctx) {
  const DbIndex source = ctx.client.db;
  DbIndex target = source;
  bool replace = false;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(ctx.argv[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.argv[j], "db") && j + 1 < ctx.argc()) {
      if (!ParseDbOrReply(ctx, ctx.argv[++j], &target)) return;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  const std::string_view key = ctx.argv[1], new_key = ctx.argv[2];
  if (source == target && key == new_key) return ctx.reply.Error(errors::kSameObject);
  RecordBuilder record;
  Status st = ReadRecord(ctx, source, key, &record);
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    return ctx.reply.Integer(0);
  }
  if (ReplyStoreFailure(ctx, st)) return;
  CountKeyspaceHit(ctx);
  if (!replace) {
    st = ctx.store.Read(target, new_key, kIgnoreRecord);
    if (st.ok()) return ctx.reply.Integer(0);
    if (ReplyStoreFailure(ctx, st)) return;
  }
  const bool wakes = WakesBlockedClients(record.type) && target == source;
  if (ReplyStoreFailure(ctx, ctx.store.Upsert(target, new_key, record))) return;
  if (wakes) ctx.SignalKeyReady(new_key);
  ctx.AddDirty();
  ctx.reply.Integer(1);
}

// ---------------------------------------------------------------------------------------------
// KEYS SCAN RANDOMKEY

void Keys(CommandContext& ctx) {
  const std::string_view pattern = ctx.argv[1];
  const bool all = pattern == "*";
  std::vector<std::string> keys;
  uint64_t cursor = 0;
  int rounds = 0;
  do {
    cursor = ctx.store.Scan(ctx.client.db, cursor, std::numeric_limits<size_t>::max(),
                            [&](std::string_view key, const RecordView&) {
                              if (all || StringMatch(pattern, key)) keys.emplace_back(key);
                            });
    ++rounds;
  } while (cursor != 0);
  if (rounds > 1) {
    // A scan spread over several calls may return a key more than once; KEYS must not.
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& k : keys) ctx.reply.Bulk(k);
}

void Scan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.argv[1], &cursor)) return ctx.reply.Error("ERR invalid cursor");
  int64_t count = 10;
  std::string_view pattern, type;
  bool use_pattern = false, use_type = false;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    const std::string_view opt = ctx.argv[i];
    const bool has_value = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "count") && has_value) {
      if (!String2ll(ctx.argv[i + 1], &count)) return ctx.reply.Error(errors::kNotInteger);
      if (count < 1) return ctx.reply.Error(errors::kSyntax);
    } else if (EqualsIgnoreCase(opt, "match") && has_value) {
      pattern = ctx.argv[i + 1];
      use_pattern = pattern != "*";
    } else if (EqualsIgnoreCase(opt, "type") && has_value) {
      type = ctx.argv[i + 1];
      use_type = true;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  std::vector<std::string> keys;
  uint64_t typed_lookups = 0;
  const uint64_t next =
      ctx.store.Scan(ctx.client.db, cursor, static_cast<size_t>(count),
                     [&](std::string_view key, const RecordView& record) {
                       if (use_pattern && !StringMatch(pattern, key)) return;
                       if (use_type) {
                         ++typed_lookups;  // Redis looks each candidate up to learn its type
                         if (!EqualsIgnoreCase(TypeName(record.type), type)) return;
                       }
                       keys.emplace_back(key);
                     });
  CountKeyspace(ctx, typed_lookups, 0);
  ctx.reply.ArrayHeader(2);
  char buf[kLongStrSize];
  ctx.reply.Bulk(std::string_view(buf, Ull2String(buf, sizeof(buf), next)));
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& k : keys) ctx.reply.Bulk(k);
}

void RandomKey(CommandContext& ctx) {
  Result<std::string> key = ctx.store.RandomKey(ctx.client.db);
  if (key) return ctx.reply.Bulk(*key);
  if (key.error().IsNotFound()) return ctx.reply.Null();
  ReplyStoreFailure(ctx, key.error());
}

// ---------------------------------------------------------------------------------------------
// OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP

constexpr std::string_view kLfuNotSelected =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.";
constexpr std::string_view kLfuSelected =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";

bool LfuPolicy(CommandContext& ctx) {
  return ctx.server.maxmemory_policy.find("lfu") != std::string::npos;
}

struct ObjectInfo {
  ValueType type = ValueType::kString;
  std::string_view encoding;  // a string literal
  bool small_int = false;     // a string holding an integer in 0..9999
};

// Looks up argv[2] for OBJECT; replies null when absent. Counts a keyspace hit or miss.
bool ObjectLookup(CommandContext& ctx, ObjectInfo* info) {
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[2], [&](const RecordView& r) {
    info->type = r.type;
    info->encoding = ValueEncoding(ctx, r);
    int64_t n;
    info->small_int = info->encoding == "int" && String2ll(r.value, &n) && n >= 0 && n < 10000;
  });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    ctx.reply.Null();
    return false;
  }
  if (ReplyStoreFailure(ctx, st)) return false;
  CountKeyspaceHit(ctx);
  return true;
}

void ObjectEncoding(CommandContext& ctx) {
  ObjectInfo info;
  if (ObjectLookup(ctx, &info)) ctx.reply.Bulk(info.encoding);
}

void ObjectRefCount(CommandContext& ctx) {
  ObjectInfo info;
  if (!ObjectLookup(ctx, &info)) return;
  // Redis shares the integers 0..9999 (OBJ_SHARED_REFCOUNT = INT_MAX) unless maxmemory with an
  // LRU/LFU policy forbids it; every other value has one reference.
  const std::string& policy = ctx.server.maxmemory_policy;
  const bool shared_ints = ctx.server.max_memory == 0 || (policy.find("lru") == std::string::npos &&
                                                          policy.find("lfu") == std::string::npos);
  ctx.reply.Integer(info.small_int && shared_ints ? std::numeric_limits<int32_t>::max() : 1);
}

void ObjectIdleTime(CommandContext& ctx) {
  ObjectInfo info;
  if (!ObjectLookup(ctx, &info)) return;
  if (LfuPolicy(ctx)) return ctx.reply.Error(kLfuSelected);
  // The store keeps no per-record access time, so no idle time is known: report 0 seconds.
  ctx.reply.Integer(0);
}

void ObjectFreq(CommandContext& ctx) {
  ObjectInfo info;
  if (!ObjectLookup(ctx, &info)) return;
  if (!LfuPolicy(ctx)) return ctx.reply.Error(kLfuNotSelected);
  // No per-record access counter in the store: the logarithmic frequency reads as 0.
  ctx.reply.Integer(0);
}

void ObjectHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.SimpleString(line);
}

constexpr CommandBinding kBindings[] = {
    {"copy", Copy},
    {"del", Del},
    {"exists", CountExisting},
    {"expire", ExpireCommand},
    {"expireat", ExpireAtCommand},
    {"expiretime", ExpireTimeCommand},
    {"keys", Keys},
    {"move", Move},
    {"object|encoding", ObjectEncoding},
    {"object|freq", ObjectFreq},
    {"object|help", ObjectHelp},
    {"object|idletime", ObjectIdleTime},
    {"object|refcount", ObjectRefCount},
    {"persist", PersistCommand},
    {"pexpire", PExpireCommand},
    {"pexpireat", PExpireAtCommand},
    {"pexpiretime", PExpireTimeCommand},
    {"pttl", PTtlCommand},
    {"randomkey", RandomKey},
    {"rename", Rename},
    {"renamenx", RenameNx},
    {"scan", Scan},
    {"touch", CountExisting},
    {"ttl", TtlCommand},
    {"type", Type},
    {"unlink", Del},
};

}  // namespace

std::span<const CommandBinding> KeyFamily() { return kBindings; }

}  // namespace ferrite::commands
