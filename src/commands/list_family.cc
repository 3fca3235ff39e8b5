// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LINDEX LSET LRANGE LTRIM LREM LINSERT
// LPOS LMOVE RPOPLPUSH LMPOP and the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, with Redis
// 7.0's replies, errors, argument-checking order and propagation rewrites (t_list.c).
//
// Each handler parses argv, runs its store operations, and replies; read-modify-write commands
// use the updaters of commands/list_ops.h. Commands that add elements call ctx.SignalKeyReady so
// that clients blocked on the key are served after the command.
//
// Blocking commands (server/command_context.h): a handler that finds nothing to pop calls
// ctx.Block(keys, timeout) and returns without a reply; the dispatcher re-runs it when a key is
// signalled (it then pops, or blocks again when another client was faster), or with
// ctx.timed_out set, when it gives the timeout reply. Inside MULTI (!ctx.can_block) it answers
// as on a timeout at once. A served blocking pop is propagated as its non-blocking form.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_util.h"
#include "commands/families.h"
#include "commands/hash_ops.h"
#include "commands/list_ops.h"
#include "commands/string_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
using storage::ListObject;
namespace errors = resp::errors;

std::string_view PopName(ListEnd end) { return end == ListEnd::kLeft ? "LPOP" : "RPOP"; }

// ---------------------------------------------------------------------------------------------
// LPUSH RPUSH LPUSHX RPUSHX

void PushGeneric(CommandContext& ctx, ListEnd end, bool only_if_exists) {
  const std::string_view key = ctx.argv[1];
  ListPushUpdater updater(ctx.argv.subspan(2), end, only_if_exists);
  Status st = ctx.store.Rmw(ctx.client.db, key, updater);
  if (ReplyStoreFailure(ctx, st)) return;
  if (updater.outcome != ListOutcome::kDone) return ctx.reply.Integer(0);
  ctx.AddDirty(static_cast<int64_t>(ctx.argc() - 2));
  ctx.SignalKeyReady(key);
  ctx.reply.Integer(static_cast<int64_t>(updater.length));
}

void LPush(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kLeft, false); }
void RPush(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kRight, false); }
void LPushX(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kLeft, true); }
void RPushX(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kRight, true); }

// ---------------------------------------------------------------------------------------------
// LPOP RPOP

void ReplyElements(CommandContext& ctx, const std::vector<std::string>& elements) {
  ctx.reply.ArrayHeader(elements.size());
  for (const std::string& e : elements) ctx.reply.Bulk(e);
}

void PopGeneric(CommandContext& ctx, ListEnd end) {
  if (ctx.argc() > 3) return ctx.reply.Error(errors::WrongArity(ctx.spec.name));
  const std::string_view key = ctx.argv[1];
  const bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  // getPositiveLongFromObjectOrReply: one message for "not a number" and "negative".
  if (has_count && (!String2ll(ctx.argv[2], &count) || count < 0)) {
    return ctx.reply.Error(errors::kNegativeLength);
  }
  if (has_count && count == 0) {
    // Redis still looks the key up (null for a missing key, WRONGTYPE) before the empty answer.
    Status st = ReadList(ctx, key, [](const ListObject&) {});
    if (st.IsNotFound()) return ctx.reply.NullArray();
    if (ReplyStoreFailure(ctx, st)) return;
    return ctx.reply.EmptyArray();
  }
  ListPopUpdater updater(end, static_cast<size_t>(count), !has_count);
  Status st = ctx.store.Rmw(ctx.client.db, key, updater);
  if (ReplyRmwFailure(ctx, st)) return;
  if (updater.outcome != ListOutcome::kDone) {
    return has_count ? ctx.reply.NullArray() : ctx.reply.Null();
  }
  if (!has_count) {
    ctx.AddDirty();
    return ctx.reply.Bulk(updater.value);
  }
  ctx.AddDirty(static_cast<int64_t>(updater.popped.size()));
  ReplyElements(ctx, updater.popped);
}

void LPop(CommandContext& ctx) { PopGeneric(ctx, ListEnd::kLeft); }
void RPop(CommandContext& ctx) { PopGeneric(ctx, ListEnd::kRight); }

// ---------------------------------------------------------------------------------------------
// LLEN LINDEX LRANGE LPOS (reads: they count keyspace hits and misses, as lookupKeyRead does)

// Replies for a read of a missing key (`on_missing`) or a failed one; true when it replied.
// Counts the keyspace hit or miss.
bool ReplyReadOutcome(CommandContext& ctx, const Status& st, void (*on_missing)(CommandContext&)) {
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    on_missing(ctx);
    return true;
  }
  if (st.code() == StatusCode::kPending) return ReplyStoreFailure(ctx, st);
  CountKeyspaceHit(ctx);
  return ReplyStoreFailure(ctx, st);
}

void LLen(CommandContext& ctx) {
  Status st = ReadList(ctx, ctx.argv[1], [&](const ListObject& list) {
    ctx.reply.Integer(static_cast<int64_t>(list.size()));
  });
  ReplyReadOutcome(ctx, st, [](CommandContext& c) { c.reply.Integer(0); });
}

void LIndex(CommandContext& ctx) {
  int64_t index = 0;
  // The index is judged after the key and type checks, as Redis does.
  const bool valid = String2ll(ctx.argv[2], &index);
  Status st = ReadList(ctx, ctx.argv[1], [&](const ListObject& list) {
    size_t at;
    if (!valid) {
      ctx.reply.Error(errors::kNotInteger);
    } else if (ListIndex(index, list.size(), &at)) {
      ctx.reply.Bulk(list.At(at));
    } else {
      ctx.reply.Null();
    }
  });
  ReplyReadOutcome(ctx, st, [](CommandContext& c) { c.reply.Null(); });
}

void LRange(CommandContext& ctx) {
  int64_t start, end;
  if (!String2ll(ctx.argv[2], &start) || !String2ll(ctx.argv[3], &end)) {
    return ctx.reply.Error(errors::kNotInteger);
  }
  Status st = ReadList(ctx, ctx.argv[1], [&](const ListObject& list) {
    size_t from, count;
    if (!ListRangeBounds(start, end, list.size(), &from, &count)) return ctx.reply.EmptyArray();
    ctx.reply.ArrayHeader(count);
    const ListObject::Elements& elements = list.elements();
    auto it = elements.begin() + static_cast<ptrdiff_t>(from);
    for (size_t i = 0; i < count; ++i, ++it) ctx.reply.Bulk(*it);
  });
  ReplyReadOutcome(ctx, st, [](CommandContext& c) { c.reply.EmptyArray(); });
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void LPos(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.argv[j];
    const bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "rank") && more) {
      if (!String2ll(ctx.argv[++j], &rank)) return ctx.reply.Error(errors::kNotInteger);
      if (rank == 0) {
        return ctx.reply.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
      }
    } else if (EqualsIgnoreCase(opt, "count") && more) {
      if (!String2ll(ctx.argv[++j], &count) || count < 0) {
        return ctx.reply.Error("ERR COUNT can't be negative");
      }
    } else if (EqualsIgnoreCase(opt, "maxlen") && more) {
      if (!String2ll(ctx.argv[++j], &maxlen) || maxlen < 0) {
        return ctx.reply.Error("ERR MAXLEN can't be negative");
      }
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  const bool forward = rank > 0;
  // |INT64_MIN| does not fit int64: the skip count is unsigned.
  const uint64_t skip = forward ? static_cast<uint64_t>(rank) : 0 - static_cast<uint64_t>(rank);
  const std::string_view element = ctx.argv[2];

  Status st = ReadList(ctx, ctx.argv[1], [&](const ListObject& list) {
    const ListObject::Elements& elements = list.elements();
    const size_t length = elements.size();
    const size_t limit = maxlen == 0 || static_cast<uint64_t>(maxlen) > length
                             ? length
                             : static_cast<size_t>(maxlen);
    uint64_t matches = 0;
    std::vector<int64_t> found;
    for (size_t i = 0; i < limit; ++i) {
      const size_t pos = forward ? i : length - 1 - i;
      if (elements[pos] != element || ++matches < skip) continue;
      found.push_back(static_cast<int64_t>(pos));
      // Without COUNT the first match at the rank is the answer; COUNT 0 means all of them.
      if (count == -1 || (count > 0 && found.size() >= static_cast<uint64_t>(count))) break;
    }
    if (count != -1) {
      ctx.reply.ArrayHeader(found.size());
      for (int64_t p : found) ctx.reply.Integer(p);
    } else if (found.empty()) {
      ctx.reply.Null();
    } else {
      ctx.reply.Integer(found[0]);
    }
  });
  if (count != -1) {
    ReplyReadOutcome(ctx, st, [](CommandContext& c) { c.reply.EmptyArray(); });
  } else {
    ReplyReadOutcome(ctx, st, [](CommandContext& c) { c.reply.Null(); });
  }
}

// ---------------------------------------------------------------------------------------------
// LSET LTRIM LREM LINSERT

void LSet(CommandContext& ctx) {
  int64_t index = 0;
  const bool valid = String2ll(ctx.argv[2], &index);
  ListSetUpdater updater(index, valid, ctx.argv[3]);
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  switch (updater.outcome) {
    case ListOutcome::kAbsent:
      return ctx.reply.Error(errors::kNoSuchKey);
    case ListOutcome::kNotInteger:
      return ctx.reply.Error(errors::kNotInteger);
    case ListOutcome::kOutOfRange:
      return ctx.reply.Error(errors::kOutOfRange);
    default:
      ctx.AddDirty();
      return ctx.reply.Ok();
  }
}

void LTrim(CommandContext& ctx) {
  int64_t start, end;
  if (!String2ll(ctx.argv[2], &start) || !String2ll(ctx.argv[3], &end)) {
    return ctx.reply.Error(errors::kNotInteger);
  }
  ListTrimUpdater updater(start, end);
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  ctx.AddDirty(static_cast<int64_t>(updater.removed));
  ctx.reply.Ok();
}

void LRem(CommandContext& ctx) {
  int64_t count;
  if (!String2ll(ctx.argv[2], &count)) return ctx.reply.Error(errors::kNotInteger);
  ListRemUpdater updater(count, ctx.argv[3]);
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  ctx.AddDirty(static_cast<int64_t>(updater.removed));
  ctx.reply.Integer(static_cast<int64_t>(updater.removed));
}

// LINSERT key BEFORE|AFTER pivot element
void LInsert(CommandContext& ctx) {
  bool after;
  if (EqualsIgnoreCase(ctx.argv[2], "after")) {
    after = true;
  } else if (EqualsIgnoreCase(ctx.argv[2], "before")) {
    after = false;
  } else {
    return ctx.reply.Error(errors::kSyntax);
  }
  ListInsertUpdater updater(after, ctx.argv[3], ctx.argv[4]);
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  switch (updater.outcome) {
    case ListOutcome::kDone:
      ctx.AddDirty();
      return ctx.reply.Integer(static_cast<int64_t>(updater.length));
    case ListOutcome::kNoMatch:
      return ctx.reply.Integer(-1);
    default:
      return ctx.reply.Integer(0);
  }
}

// ---------------------------------------------------------------------------------------------
// LMOVE RPOPLPUSH BLMOVE BRPOPLPUSH

enum class Served : uint8_t { kDone, kEmpty, kReplied };

// Moves one element from argv[1]'s `from` end to argv[2]'s `to` end (lmoveGenericCommand).
// kDone: moved, `*value` is the element, nothing replied yet. kEmpty: no source list.
// kReplied: an error was replied or the command went pending.
Served MoveElement(CommandContext& ctx, ListEnd from, ListEnd to, std::string* value) {
  const std::string_view src = ctx.argv[1];
  const std::string_view dst = ctx.argv[2];
  const storage::DbIndex db = ctx.client.db;
  if (src == dst) {
    ListRotateUpdater rotate(from, to);
    Status st = ctx.store.Rmw(db, src, rotate);
    if (ReplyRmwFailure(ctx, st)) return Served::kReplied;
    if (rotate.outcome != ListOutcome::kDone) return Served::kEmpty;
    *value = std::move(rotate.value);
  } else {
    // Both keys are read before the first write, so a pending key leaves nothing half done.
    // Redis's order: a missing source answers null before the destination's type is checked.
    Status st = ReadList(ctx, src, [](const ListObject&) {});
    if (st.IsNotFound()) return Served::kEmpty;
    if (ReplyStoreFailure(ctx, st)) return Served::kReplied;
    st = ReadList(ctx, dst, [](const ListObject&) {});
    if (ReplyStoreFailure(ctx, st)) return Served::kReplied;

    ListPopUpdater pop(from, 1, /*single=*/true);
    st = ctx.store.Rmw(db, src, pop);
    if (ReplyRmwFailure(ctx, st)) return Served::kReplied;
    if (pop.outcome != ListOutcome::kDone) return Served::kEmpty;
    const std::string_view element = pop.value;
    ListPushUpdater push({&element, 1}, to, false);
    st = ctx.store.Rmw(db, dst, push);
    if (!st.ok()) {
      // The destination was evicted or the budget ran out between the reads and now: put the
      // element back where it came from (the source record is at the tail now) so no element
      // is lost, then report, or go pending and redo the whole move.
      ListPushUpdater undo({&element, 1}, from, false);
      (void)ctx.store.Rmw(db, src, undo);
      ReplyStoreFailure(ctx, st);
      return Served::kReplied;
    }
    *value = std::move(pop.value);
  }
  ctx.AddDirty();
  ctx.SignalKeyReady(dst);
  return Served::kDone;
}

void LMove(CommandContext& ctx) {
  ListEnd from, to;
  if (!ParseListEnd(ctx.argv[3], &from) || !ParseListEnd(ctx.argv[4], &to)) {
    return ctx.reply.Error(errors::kSyntax);
  }
  std::string value;
  switch (MoveElement(ctx, from, to, &value)) {
    case Served::kDone:
      return ctx.reply.Bulk(value);
    case Served::kEmpty:
      return ctx.reply.Null();
    case Served::kReplied:
      return;
  }
}

void RPopLPush(CommandContext& ctx) {
  std::string value;
  switch (MoveElement(ctx, ListEnd::kRight, ListEnd::kLeft, &value)) {
    case Served::kDone:
      return ctx.reply.Bulk(value);
    case Served::kEmpty:
      return ctx.reply.Null();
    case Served::kReplied:
      return;
  }
}

void BlockingMove(CommandContext& ctx, ListEnd from, ListEnd to, std::string_view timeout_arg,
                  bool rpoplpush) {
  int64_t timeout_ms;
  std::string_view error;
  if (!ParseBlockTimeout(timeout_arg, &timeout_ms, &error)) return ctx.reply.Error(error);
  if (ctx.timed_out) return ctx.reply.NullArray();
  if (ctx.client.block.woken) {
    // As for the pops: a woken client whose source is no longer a list keeps waiting.
    Status st = ReadList(ctx, ctx.argv[1], [](const ListObject&) {});
    if (st.code() == StatusCode::kWrongType) return ctx.Block(ctx.argv.subspan(1, 1), timeout_ms);
  }
  std::string value;
  switch (MoveElement(ctx, from, to, &value)) {
    case Served::kDone:
      if (rpoplpush) {
        ctx.Propagate({"RPOPLPUSH", std::string(ctx.argv[1]), std::string(ctx.argv[2])});
      } else {
        ctx.Propagate({"LMOVE", std::string(ctx.argv[1]), std::string(ctx.argv[2]),
                       std::string(ListEndName(from)), std::string(ListEndName(to))});
      }
      return ctx.reply.Bulk(value);
    case Served::kEmpty:
      if (!ctx.can_block) return ctx.reply.Null();  // Redis: a plain null here, *-1 on timeout
      return ctx.Block(ctx.argv.subspan(1, 1), timeout_ms);
    case Served::kReplied:
      return;
  }
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
void BLMove(CommandContext& ctx) {
  ListEnd from, to;
  if (!ParseListEnd(ctx.argv[3], &from) || !ParseListEnd(ctx.argv[4], &to)) {
    return ctx.reply.Error(errors::kSyntax);
  }
  BlockingMove(ctx, from, to, ctx.argv[5], false);
}

void BRPopLPush(CommandContext& ctx) {
  BlockingMove(ctx, ListEnd::kRight, ListEnd::kLeft, ctx.argv[3], true);
}

// ---------------------------------------------------------------------------------------------
// BLPOP BRPOP LMPOP BLMPOP

// Pops from the first non-empty list of `keys` (blockingPopGenericCommand / mpopGenericCommand):
// one element answered [key, element] when `count` is 0, else up to `count` answered
// [key, [elements...]]. Propagated as [LR]POP key [count]. A key of another type is an error
// even when an earlier key was merely absent, as in Redis.
// With `skip_wrong_type` (a woken re-run) a key of another type counts as empty instead.
Served PopFirstNonEmpty(CommandContext& ctx, std::span<const std::string_view> keys, ListEnd end,
                        size_t count, bool skip_wrong_type = false) {
  const bool single = count == 0;
  for (std::string_view key : keys) {
    ListPopUpdater updater(end, single ? 1 : count, single);
    Status st = ctx.store.Rmw(ctx.client.db, key, updater);
    if (skip_wrong_type && st.code() == StatusCode::kWrongType) continue;
    if (ReplyRmwFailure(ctx, st)) return Served::kReplied;
    if (updater.outcome != ListOutcome::kDone) continue;
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    if (single) {
      ctx.AddDirty();
      ctx.Propagate({std::string(PopName(end)), std::string(key)});
      ctx.reply.Bulk(updater.value);
    } else {
      const size_t n = updater.popped.size();
      ctx.AddDirty(static_cast<int64_t>(n));
      ctx.Propagate({std::string(PopName(end)), std::string(key), Ll2String(int64_t(n))});
      ReplyElements(ctx, updater.popped);
    }
    return Served::kDone;
  }
  return Served::kEmpty;
}

// The common tail of the blocking pops once the arguments are valid.
void BlockingPop(CommandContext& ctx, std::span<const std::string_view> keys, ListEnd end,
                 size_t count, int64_t timeout_ms) {
  // The timeout reply comes without another look at the keys, as in Redis.
  if (ctx.timed_out) return ctx.reply.NullArray();
  std::span<const std::string_view> candidates = keys;
  const server::ClientBlockState& block = ctx.client.block;
  if (block.woken) {
    // Redis serves a woken client from the key that became ready, and only while it holds a
    // list: a key that was made a string meanwhile (MULTI: LPUSH, DEL, SET) is not an error
    // for a client that is already waiting; it keeps waiting.
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == block.woken_key) {
        candidates = keys.subspan(i, 1);
        break;
      }
    }
  }
  switch (PopFirstNonEmpty(ctx, candidates, end, count, block.woken)) {
    case Served::kEmpty:
      if (!ctx.can_block) return ctx.reply.NullArray();
      return ctx.Block(keys, timeout_ms);
    case Served::kDone:
    case Served::kReplied:
      return;
  }
}

void BPopGeneric(CommandContext& ctx, ListEnd end) {
  int64_t timeout_ms;
  std::string_view error;
  if (!ParseBlockTimeout(ctx.argv.back(), &timeout_ms, &error)) return ctx.reply.Error(error);
  BlockingPop(ctx, ctx.argv.subspan(1, ctx.argc() - 2), end, 0, timeout_ms);
}

void BLPop(CommandContext& ctx) { BPopGeneric(ctx, ListEnd::kLeft); }
void BRPop(CommandContext& ctx) { BPopGeneric(ctx, ListEnd::kRight); }

// Parses "numkeys key [key ...] LEFT|RIGHT [COUNT count]" from argv[numkeys_idx]
// (lmpopGenericCommand). Replies and returns false on an error.
bool ParseMPop(CommandContext& ctx, size_t numkeys_idx, std::span<const std::string_view>* keys,
               ListEnd* end, size_t* count) {
  return ParseMPopArgs(
      ctx, numkeys_idx, [&](std::string_view where) { return ParseListEnd(where, end); }, keys,
      count);
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
void LMPop(CommandContext& ctx) {
  std::span<const std::string_view> keys;
  ListEnd end;
  size_t count;
  if (!ParseMPop(ctx, 1, &keys, &end, &count)) return;
  if (PopFirstNonEmpty(ctx, keys, end, count) == Served::kEmpty) ctx.reply.NullArray();
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
void BLMPop(CommandContext& ctx) {
  std::span<const std::string_view> keys;
  ListEnd end;
  size_t count;
  if (!ParseMPop(ctx, 2, &keys, &end, &count)) return;
  // Redis parses the timeout last for BLMPOP.
  int64_t timeout_ms;
  std::string_view error;
  if (!ParseBlockTimeout(ctx.argv[1], &timeout_ms, &error)) return ctx.reply.Error(error);
  BlockingPop(ctx, keys, end, count, timeout_ms);
}

constexpr CommandBinding kBindings[] = {
    {"blmove", BLMove},
    {"blmpop", BLMPop},
    {"blpop", BLPop},
    {"brpop", BRPop},
    {"brpoplpush", BRPopLPush},
    {"lindex", LIndex},
    {"linsert", LInsert},
    {"llen", LLen},
    {"lmove", LMove},
    {"lmpop", LMPop},
    {"lpop", LPop},
    {"lpos", LPos},
    {"lpush", LPush},
    {"lpushx", LPushX},
    {"lrange", LRange},
    {"lrem", LRem},
    {"lset", LSet},
    {"ltrim", LTrim},
    {"rpop", RPop},
    {"rpoplpush", RPopLPush},
    {"rpush", RPush},
    {"rpushx", RPushX},
};

}  // namespace

std::span<const CommandBinding> ListFamily() { return kBindings; }

}  // namespace ferrite::commands
