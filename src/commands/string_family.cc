// String commands: GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX APPEND STRLEN
// INCR DECR INCRBY DECRBY INCRBYFLOAT SETRANGE GETRANGE SUBSTR LCS, with Redis 7.0's replies,
// errors, keyspace statistics and propagation rewrites (t_string.c).
//
// Each handler parses argv, runs one store operation (or reads everything first and then
// writes), and replies. Read-modify-write commands use the updaters of commands/string_ops.h.

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_util.h"
#include "commands/expire_ops.h"
#include "commands/families.h"
#include "commands/string_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/server_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
using storage::kNoExpiry;
using storage::MutableRecord;
using storage::RecordBuilder;
using storage::RecordView;
using storage::ValueType;
namespace errors = resp::errors;

// ---------------------------------------------------------------------------------------------
// SET and GETEX options (string_ops.h has the flags).

bool ExpireInSeconds(uint32_t flags) { return flags & (kSetEx | kSetExat); }
bool ExpireIsRelative(uint32_t flags) { return flags & (kSetEx | kSetPx); }

enum class ArgsOf { kGetEx, kSet };

// Redis's parseExtendedStringArgumentsOrReply, with its exact rules for conflicting options (a
// repeated EX is accepted, EX after PX is a syntax error, ...).
bool ParseExtendedStringArgs(CommandContext& ctx, ArgsOf cmd, uint32_t* flags,
                             std::string_view* expire) {
  const bool set = cmd == ArgsOf::kSet;
  for (size_t j = set ? 3 : 2; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.argv[j];
    const bool has_next = j + 1 < ctx.argc();
    const uint32_t f = *flags;
    auto take_expire = [&](uint32_t flag, uint32_t conflicts) {
      if ((f & conflicts) || !has_next) return false;
      *flags |= flag;
      *expire = ctx.argv[++j];
      return true;
    };
    if (set && EqualsIgnoreCase(opt, "nx") && !(f & kSetXx)) {
      *flags |= kSetNx;
    } else if (set && EqualsIgnoreCase(opt, "xx") && !(f & kSetNx)) {
      *flags |= kSetXx;
    } else if (set && EqualsIgnoreCase(opt, "get")) {
      *flags |= kSetGet;
    } else if (set && EqualsIgnoreCase(opt, "keepttl") && !(f & (kSetPersist | kSetAnyExpire))) {
      *flags |= kSetKeepTtl;
    } else if (!set && EqualsIgnoreCase(opt, "persist") && !(f & (kSetAnyExpire | kSetKeepTtl))) {
      *flags |= kSetPersist;
    } else if (EqualsIgnoreCase(opt, "ex") &&
               take_expire(kSetEx, kSetKeepTtl | kSetPersist | kSetExat | kSetPx | kSetPxat)) {
    } else if (EqualsIgnoreCase(opt, "px") &&
               take_expire(kSetPx, kSetKeepTtl | kSetPersist | kSetEx | kSetExat | kSetPxat)) {
    } else if (EqualsIgnoreCase(opt, "exat") &&
               take_expire(kSetExat, kSetKeepTtl | kSetPersist | kSetEx | kSetPx | kSetPxat)) {
    } else if (EqualsIgnoreCase(opt, "pxat") &&
               take_expire(kSetPxat, kSetKeepTtl | kSetPersist | kSetEx | kSetExat | kSetPx)) {
    } else {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// GET

void Get(CommandContext& ctx) {
  bool wrong_type = false;
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[1], [&](const RecordView& r) {
    if (r.type != ValueType::kString) {
      wrong_type = true;
    } else {
      ctx.reply.Bulk(r.value);
    }
  });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    return ctx.reply.Null();
  }
  if (ReplyStoreFailure(ctx, st)) return;
  CountKeyspaceHit(ctx);
  if (wrong_type) ctx.reply.Error(errors::kWrongType);
}

// ---------------------------------------------------------------------------------------------
// SET SETNX SETEX PSETEX GETSET: one implementation (Redis's setGenericCommand)

enum class SetReplies { kOkOrNull, kOneOrZero };

void SetGeneric(CommandContext& ctx, uint32_t flags, std::optional<std::string_view> expire_arg,
                std::string_view value, SetReplies replies) {
  std::optional<int64_t> expire_at;
  if (expire_arg) {
    int64_t at_ms;
    ExpireArgStatus es = ParseSetExpireArg(*expire_arg, ExpireInSeconds(flags),
                                           ExpireIsRelative(flags), ctx.server.NowMs(), &at_ms);
    if (es != ExpireArgStatus::kOk) return ReplyExpireArgError(ctx, es);
    expire_at = at_ms;
  }
  const std::string_view key = ctx.argv[1];
  bool performed = true;
  bool found = false;
  std::string old_value;
  if (!(flags & (kSetNx | kSetXx | kSetGet | kSetKeepTtl))) {
    // A blind overwrite of whatever was there, whatever its type or TTL.
    RecordBuilder record{ValueType::kString, expire_at.value_or(kNoExpiry), std::string(value)};
    if (ReplyStoreFailure(ctx, ctx.store.Upsert(ctx.client.db, key, record))) return;
  } else {
    SetUpdater updater(flags, value, expire_at);
    Status st = ctx.store.Rmw(ctx.client.db, key, updater);
    if (st.code() == StatusCode::kWrongType) CountKeyspaceHit(ctx);
    if (ReplyRmwFailure(ctx, st)) return;
    performed = updater.outcome == RmwOutcome::kDone;
    found = updater.found;
    old_value = std::move(updater.old_value);
    if (flags & kSetGet) found ? CountKeyspaceHit(ctx) : CountKeyspaceMiss(ctx);
  }

  if (performed) {
    ctx.AddDirty();
    if (expire_at) {
      ctx.Propagate({"SET", std::string(key), std::string(value), "PXAT", Ll2String(*expire_at)});
    } else if (flags & kSetGet) {
      // Replicas must not see GET (nor GETSET): propagate a plain SET with the other options.
      std::vector<std::string> rewritten{"SET", std::string(key), std::string(value)};
      for (size_t j = 3; j < ctx.argc(); ++j) {
        if (!EqualsIgnoreCase(ctx.argv[j], "get")) rewritten.emplace_back(ctx.argv[j]);
      }
      ctx.Propagate(std::move(rewritten));
    }
  }
  if (flags & kSetGet) return found ? ctx.reply.Bulk(old_value) : ctx.reply.Null();
  if (replies == SetReplies::kOneOrZero) return ctx.reply.Integer(performed ? 1 : 0);
  performed ? ctx.reply.Ok() : ctx.reply.Null();
}

void Set(CommandContext& ctx) {
  uint32_t flags = 0;
  std::string_view expire;
  if (!ParseExtendedStringArgs(ctx, ArgsOf::kSet, &flags, &expire)) return;
  std::optional<std::string_view> expire_arg;
  if (flags & kSetAnyExpire) expire_arg = expire;
  SetGeneric(ctx, flags, expire_arg, ctx.argv[2], SetReplies::kOkOrNull);
}

void SetNx(CommandContext& ctx) {
  SetGeneric(ctx, kSetNx, std::nullopt, ctx.argv[2], SetReplies::kOneOrZero);
}

void SetEx(CommandContext& ctx) {
  SetGeneric(ctx, kSetEx, ctx.argv[2], ctx.argv[3], SetReplies::kOkOrNull);
}

void PSetEx(CommandContext& ctx) {
  SetGeneric(ctx, kSetPx, ctx.argv[2], ctx.argv[3], SetReplies::kOkOrNull);
}

void GetSet(CommandContext& ctx) {
  SetGeneric(ctx, kSetGet, std::nullopt, ctx.argv[2], SetReplies::kOkOrNull);
}

// ---------------------------------------------------------------------------------------------
// GETEX GETDEL

void GetEx(CommandContext& ctx) {
  uint32_t flags = 0;
  std::string_view expire;
  if (!ParseExtendedStringArgs(ctx, ArgsOf::kGetEx, &flags, &expire)) return;
  if (!(flags & (kSetAnyExpire | kSetPersist))) return Get(ctx);  // a plain read

  // Redis validates the time only after finding a string at the key: keep the verdict for later.
  const int64_t now = ctx.server.NowMs();
  int64_t at_ms = 0;
  ExpireArgStatus es = ExpireArgStatus::kOk;
  if (flags & kSetAnyExpire) {
    es = ParseSetExpireArg(expire, ExpireInSeconds(flags), ExpireIsRelative(flags), now, &at_ms);
  }
  const bool expire_error = es != ExpireArgStatus::kOk;
  const bool delete_now = !expire_error && (flags & (kSetExat | kSetPxat)) && at_ms <= now;
  GetExUpdater updater(flags, expire_error, at_ms, delete_now);
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (st.code() == StatusCode::kWrongType) CountKeyspaceHit(ctx);
  if (ReplyRmwFailure(ctx, st)) return;
  if (updater.outcome == RmwOutcome::kAbsent) {
    CountKeyspaceMiss(ctx);
    return ctx.reply.Null();
  }
  CountKeyspaceHit(ctx);
  if (expire_error) return ReplyExpireArgError(ctx, es);
  ctx.reply.Bulk(updater.value);
  const std::string key(ctx.argv[1]);
  if (updater.outcome == RmwOutcome::kDeleted) {
    ctx.AddDirty();
    ctx.Propagate({"DEL", key});
  } else if (updater.outcome == RmwOutcome::kDone) {
    ctx.AddDirty();
    if (flags & kSetAnyExpire) {
      ctx.Propagate({"PEXPIREAT", key, Ll2String(at_ms)});
    } else {
      ctx.Propagate({"PERSIST", key});
    }
  }
}

void GetDel(CommandContext& ctx) {
  GetDelUpdater updater;
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (st.code() == StatusCode::kWrongType) CountKeyspaceHit(ctx);
  if (ReplyRmwFailure(ctx, st)) return;
  if (updater.outcome != RmwOutcome::kDeleted) {
    CountKeyspaceMiss(ctx);
    return ctx.reply.Null();
  }
  CountKeyspaceHit(ctx);
  ctx.AddDirty();
  ctx.Propagate({"DEL", std::string(ctx.argv[1])});
  ctx.reply.Bulk(updater.value);
}

// ---------------------------------------------------------------------------------------------
// MGET MSET MSETNX

void MGet(CommandContext& ctx) {
  std::string* out = ctx.reply.buffer();
  const size_t mark = out->size();
  uint64_t hits = 0, misses = 0;
  ctx.reply.ArrayHeader(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    bool wrote = false;
    Status st = ctx.store.Read(ctx.client.db, ctx.argv[i], [&](const RecordView& r) {
      if (r.type == ValueType::kString) {
        ctx.reply.Bulk(r.value);
        wrote = true;
      }
    });
    if (st.ok() || st.IsNotFound()) {
      ++(st.ok() ? hits : misses);
      if (!wrote) ctx.reply.Null();
      continue;
    }
    out->resize(mark);  // drop the partial array before the error (or the pending retry)
    ReplyStoreFailure(ctx, st);
    return;
  }
  CountKeyspace(ctx, hits, misses);
}

void MSetGeneric(CommandContext& ctx, bool nx) {
  if (ctx.argc() % 2 == 0) return ctx.reply.Error(errors::WrongArity(ctx.spec.name));
  if (nx) {
    // All reads before any write, so a pending key leaves nothing half done.
    for (size_t i = 1; i < ctx.argc(); i += 2) {
      Status st = ctx.store.Read(ctx.client.db, ctx.argv[i], [](const RecordView&) {});
      if (st.ok()) return ctx.reply.Integer(0);
      if (ReplyStoreFailure(ctx, st)) return;
    }
  }
  size_t written = 0;
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    RecordBuilder record{ValueType::kString, kNoExpiry, std::string(ctx.argv[i + 1])};
    Status st = ctx.store.Upsert(ctx.client.db, ctx.argv[i], record);
    if (!st.ok()) {
      // Out of space part-way: the pairs already written stay, and replicas get exactly them.
      if (written > 0) {
        ctx.AddDirty(static_cast<int64_t>(written));
        std::vector<std::string> done{"MSET"};
        for (size_t j = 1; j < i; ++j) done.emplace_back(ctx.argv[j]);
        ctx.Propagate(std::move(done));
      }
      ReplyStoreFailure(ctx, st);
      return;
    }
    ++written;
  }
  ctx.AddDirty(static_cast<int64_t>(written));
  nx ? ctx.reply.Integer(1) : ctx.reply.Ok();
}

void MSet(CommandContext& ctx) { MSetGeneric(ctx, false); }
void MSetNx(CommandContext& ctx) { MSetGeneric(ctx, true); }

// ---------------------------------------------------------------------------------------------
// INCR DECR INCRBY DECRBY INCRBYFLOAT

void IncrDecr(CommandContext& ctx, int64_t delta) {
  IncrByUpdater updater(delta);
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  switch (updater.outcome) {
    case RmwOutcome::kDone:
      ctx.AddDirty();
      return ctx.reply.Integer(updater.value);
    case RmwOutcome::kOverflow:
      return ctx.reply.Error(errors::kOverflow);
    default:
      return ctx.reply.Error(errors::kNotInteger);
  }
}

void Incr(CommandContext& ctx) { IncrDecr(ctx, 1); }
void Decr(CommandContext& ctx) { IncrDecr(ctx, -1); }

void IncrBy(CommandContext& ctx) {
  int64_t delta;
  if (!String2ll(ctx.argv[2], &delta)) return ctx.reply.Error(errors::kNotInteger);
  IncrDecr(ctx, delta);
}

void DecrBy(CommandContext& ctx) {
  int64_t delta;
  if (!String2ll(ctx.argv[2], &delta)) return ctx.reply.Error(errors::kNotInteger);
  if (delta == std::numeric_limits<int64_t>::min()) {
    return ctx.reply.Error("ERR decrement would overflow");
  }
  IncrDecr(ctx, -delta);
}

void IncrByFloat(CommandContext& ctx) {
  long double increment = 0;
  const bool valid = String2ld(ctx.argv[2], &increment);
  IncrByFloatUpdater updater(increment, valid);
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  switch (updater.outcome) {
    case RmwOutcome::kDone:
      break;
    case RmwOutcome::kNanOrInfinity:
      return ctx.reply.Error(errors::kIncrNanOrInf);
    default:
      return ctx.reply.Error(errors::kNotFloat);
  }
  ctx.AddDirty();
  // Float formatting may differ elsewhere: replicas and the AOF get the resulting value.
  ctx.Propagate({"SET", std::string(ctx.argv[1]), updater.text, "KEEPTTL"});
  ctx.reply.Bulk(updater.text);
}

// ---------------------------------------------------------------------------------------------
// APPEND STRLEN SETRANGE GETRANGE

void Append(CommandContext& ctx) {
  AppendUpdater updater(ctx.argv[2]);
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  if (updater.outcome == RmwOutcome::kTooLong) return ctx.reply.Error(errors::kStringTooLong);
  ctx.AddDirty();
  ctx.reply.Integer(static_cast<int64_t>(updater.length));
}

void StrLen(CommandContext& ctx) {
  int64_t length = 0;
  bool wrong_type = false;
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[1], [&](const RecordView& r) {
    wrong_type = r.type != ValueType::kString;
    length = static_cast<int64_t>(r.value.size());
  });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    return ctx.reply.Integer(0);
  }
  if (ReplyStoreFailure(ctx, st)) return;
  CountKeyspaceHit(ctx);
  wrong_type ? ctx.reply.Error(errors::kWrongType) : ctx.reply.Integer(length);
}

void SetRange(CommandContext& ctx) {
  int64_t offset;
  if (!String2ll(ctx.argv[2], &offset)) return ctx.reply.Error(errors::kNotInteger);
  if (offset < 0) return ctx.reply.Error("ERR offset is out of range");
  SetRangeUpdater updater(static_cast<uint64_t>(offset), ctx.argv[3]);
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  switch (updater.outcome) {
    case RmwOutcome::kTooLong:
      return ctx.reply.Error(errors::kStringTooLong);
    case RmwOutcome::kDone:
      ctx.AddDirty();
      [[fallthrough]];
    default:
      return ctx.reply.Integer(static_cast<int64_t>(updater.length));
  }
}

void GetRange(CommandContext& ctx) {
  int64_t start, end;
  if (!String2ll(ctx.argv[2], &start) || !String2ll(ctx.argv[3], &end)) {
    return ctx.reply.Error(errors::kNotInteger);
  }
  bool wrong_type = false;
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[1], [&](const RecordView& r) {
    if (r.type != ValueType::kString) {
      wrong_type = true;
      return;
    }
    uint64_t from, count;
    if (GetRangeBounds(start, end, r.value.size(), &from, &count)) {
      ctx.reply.Bulk(r.value.substr(from, count));
    } else {
      ctx.reply.Bulk("");
    }
  });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    return ctx.reply.Bulk("");
  }
  if (ReplyStoreFailure(ctx, st)) return;
  CountKeyspaceHit(ctx);
  if (wrong_type) ctx.reply.Error(errors::kWrongType);
}

// ---------------------------------------------------------------------------------------------
// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]

void Lcs(CommandContext& ctx) {
  std::string values[2];
  bool wrong_type = false;
  uint64_t hits = 0, misses = 0;
  for (int k = 0; k < 2; ++k) {
    Status st = ctx.store.Read(ctx.client.db, ctx.argv[1 + k], [&](const RecordView& r) {
      if (r.type != ValueType::kString) {
        wrong_type = true;
      } else {
        values[k].assign(r.value);
      }
    });
    if (ReplyStoreFailure(ctx, st)) return;
    ++(st.ok() ? hits : misses);
  }
  CountKeyspace(ctx, hits, misses);
  if (wrong_type) return ctx.reply.Error("ERR The specified keys must contain string values");

  bool get_len = false, get_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.argv[j];
    if (EqualsIgnoreCase(opt, "IDX")) {
      get_idx = true;
    } else if (EqualsIgnoreCase(opt, "LEN")) {
      get_len = true;
    } else if (EqualsIgnoreCase(opt, "WITHMATCHLEN")) {
      with_match_len = true;
    } else if (EqualsIgnoreCase(opt, "MINMATCHLEN") && j + 1 < ctx.argc()) {
      if (!String2ll(ctx.argv[j + 1], &min_match_len)) {
        return ctx.reply.Error(errors::kNotInteger);
      }
      if (min_match_len < 0) min_match_len = 0;
      ++j;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  if (get_len && get_idx) {
    return ctx.reply.Error("ERR If you want both the length and indexes, please just use IDX.");
  }

  LcsResult result;
  switch (ComputeLcs(values[0], values[1], !get_len && !get_idx, get_idx, min_match_len, &result)) {
    case LcsError::kNone:
      break;
    case LcsError::kStringTooLong:
      return ctx.reply.Error("ERR String too long for LCS");
    case LcsError::kTableTooLarge:
      return ctx.reply.Error(
          "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    case LcsError::kAllocFailed:
      return ctx.reply.Error("ERR Insufficient memory, failed allocating transient memory for LCS");
  }
  if (get_idx) {
    ctx.reply.MapHeader(2);
    ctx.reply.Bulk("matches");
    ctx.reply.ArrayHeader(result.matches.size());
    for (const LcsMatch& m : result.matches) {
      ctx.reply.ArrayHeader(with_match_len ? 3 : 2);
      ctx.reply.ArrayHeader(2);
      ctx.reply.Integer(m.a_start);
      ctx.reply.Integer(m.a_end);
      ctx.reply.ArrayHeader(2);
      ctx.reply.Integer(m.b_start);
      ctx.reply.Integer(m.b_end);
      if (with_match_len) ctx.reply.Integer(m.length);
    }
    ctx.reply.Bulk("len");
    return ctx.reply.Integer(result.length);
  }
  if (get_len) return ctx.reply.Integer(result.length);
  ctx.reply.Bulk(result.sequence);
}

constexpr CommandBinding kBindings[] = {
    {"append", Append},
    {"decr", Decr},
    {"decrby", DecrBy},
    {"get", Get},
    {"getdel", GetDel},
    {"getex", GetEx},
    {"getrange", GetRange},
    {"getset", GetSet},
    {"incr", Incr},
    {"incrby", IncrBy},
    {"incrbyfloat", IncrByFloat},
    {"lcs", Lcs},
    {"mget", MGet},
    {"mset", MSet},
    {"msetnx", MSetNx},
    {"psetex", PSetEx},
    {"set", Set},
    {"setex", SetEx},
    {"setnx", SetNx},
    {"setrange", SetRange},
    {"strlen", StrLen},
    {"substr", GetRange},
};

}  // namespace

std::span<const CommandBinding> StringFamily() { return kBindings; }

}  // namespace ferrite::commands
