// Sorted-set commands (t_zset.c in Redis 7.0): ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK
// ZREVRANK ZCOUNT ZLEXCOUNT ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE
// ZRANGEBYLEX ZREVRANGEBYLEX ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX here; the set
// operations in zset_setops.cc; pops, ZRANDMEMBER and ZSCAN in zset_pop.cc. The binding table at
// the end covers all three.
//
// Reads answer from inside the store's reader callback, straight from the object (no copy).
// Writes are one Rmw with an updater of zset_ops.h.

#include <absl/container/inlined_vector.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/string_util.h"
#include "commands/families.h"
#include "commands/string_ops.h"
#include "commands/zset_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
using storage::RecordView;
using storage::ValueType;
using storage::ZSetObject;
namespace errors = resp::errors;

constexpr std::string_view kNaNError = "ERR resulting score is not a number (NaN)";
constexpr std::string_view kNotFloatRange = "ERR min or max is not a float";
constexpr std::string_view kNotLexRange = "ERR min or max not valid string range item";

// Reads `key` as a sorted set for a read-only command. Calls `fn(zset)` when it is one and
// returns true; otherwise replies (WRONGTYPE, or `on_missing()` for an absent key, or nothing
// when pending) and returns false. Counts keyspace hits and misses as lookupKeyRead does.
template <typename Fn, typename Missing>
void ReadZSet(CommandContext& ctx, std::string_view key, Fn fn, Missing on_missing) {
  bool wrong_type = false;
  Status st = ctx.store.Read(ctx.client.db, key, [&](const RecordView& r) {
    if (r.type != ValueType::kZSet) {
      wrong_type = true;
      return;
    }
    fn(static_cast<const ZSetObject&>(*r.object));
  });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    return on_missing();
  }
  if (ReplyStoreFailure(ctx, st)) return;
  CountKeyspaceHit(ctx);
  if (wrong_type) ctx.reply.Error(errors::kWrongType);
}

bool ParseLong(CommandContext& ctx, std::string_view arg, int64_t* v) {
  if (String2ll(arg, v)) return true;
  ctx.reply.Error(errors::kNotInteger);
  return false;
}

// ---------------------------------------------------------------------------------------------
// ZADD ZINCRBY

void ZAddGeneric(CommandContext& ctx, uint32_t flags) {
  size_t idx = 2;
  bool ch = false;
  for (; idx < ctx.argc(); ++idx) {
    const std::string_view opt = ctx.argv[idx];
    if (EqualsIgnoreCase(opt, "nx")) {
      flags |= kZAddNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      flags |= kZAddXx;
    } else if (EqualsIgnoreCase(opt, "ch")) {
      ch = true;
    } else if (EqualsIgnoreCase(opt, "incr")) {
      flags |= kZAddIncr;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      flags |= kZAddGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      flags |= kZAddLt;
    } else {
      break;
    }
  }
  const size_t elements = ctx.argc() - idx;
  if (elements == 0 || elements % 2 != 0) return ctx.reply.Error(errors::kSyntax);
  const bool nx = flags & kZAddNx, xx = flags & kZAddXx;
  const bool gt = flags & kZAddGt, lt = flags & kZAddLt;
  if (nx && xx) return ctx.reply.Error("ERR XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return ctx.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if ((flags & kZAddIncr) && elements > 2) {
    return ctx.reply.Error("ERR INCR option supports a single increment-element pair");
  }
  absl::InlinedVector<ZAddUpdater::Pair, 4> pairs;
  pairs.reserve(elements / 2);
  for (size_t j = idx; j < ctx.argc(); j += 2) {
    double score;
    if (!String2d(ctx.argv[j], &score)) return ctx.reply.Error(errors::kNotFloat);
    pairs.emplace_back(score, ctx.argv[j + 1]);
  }

  const std::string_view key = ctx.argv[1];
  ZAddUpdater updater(flags, pairs, ZSetLimitsOf(ctx));
  Status st = ctx.store.Rmw(ctx.client.db, key, updater);
  if (updater.outcome == ZOutcome::kNaN) return ctx.reply.Error(kNaNError);
  if (ReplyRmwFailure(ctx, st)) return;
  if (updater.added + updater.updated > 0) ctx.AddDirty(updater.added + updater.updated);
  if (updater.added > 0) ctx.SignalKeyReady(key);
  if (flags & kZAddIncr) {
    return updater.processed ? ctx.reply.Double(updater.score) : ctx.reply.Null();
  }
  ctx.reply.Integer(ch ? updater.added + updater.updated : updater.added);
}

void ZAdd(CommandContext& ctx) { ZAddGeneric(ctx, 0); }

void ZIncrBy(CommandContext& ctx) {
  // ZINCRBY key increment member: the same path as ZADD key INCR increment member.
  double incr;
  if (!String2d(ctx.argv[2], &incr)) return ctx.reply.Error(errors::kNotFloat);
  const ZAddUpdater::Pair pair{incr, ctx.argv[3]};
  const std::string_view key = ctx.argv[1];
  ZAddUpdater updater(kZAddIncr, {&pair, 1}, ZSetLimitsOf(ctx));
  Status st = ctx.store.Rmw(ctx.client.db, key, updater);
  if (updater.outcome == ZOutcome::kNaN) return ctx.reply.Error(kNaNError);
  if (ReplyRmwFailure(ctx, st)) return;
  ctx.AddDirty(updater.added + updater.updated);
  if (updater.added > 0) ctx.SignalKeyReady(key);
  ctx.reply.Double(updater.score);
}

// ---------------------------------------------------------------------------------------------
// ZREM ZREMRANGEBY*

void ZRem(CommandContext& ctx) {
  ZRemUpdater updater(ctx.argv.subspan(2));
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  if (updater.removed > 0) ctx.AddDirty(updater.removed);
  ctx.reply.Integer(updater.removed);
}

void ZRemRangeGeneric(CommandContext& ctx, ZRemRangeUpdater::Kind kind) {
  ZRemRangeUpdater updater;
  updater.kind = kind;
  switch (kind) {
    case ZRemRangeUpdater::Kind::kRank:
      if (!ParseLong(ctx, ctx.argv[2], &updater.start) ||
          !ParseLong(ctx, ctx.argv[3], &updater.end)) {
        return;
      }
      break;
    case ZRemRangeUpdater::Kind::kScore:
      if (!ParseScoreRange(ctx.argv[2], ctx.argv[3], &updater.score)) {
        return ctx.reply.Error(kNotFloatRange);
      }
      break;
    case ZRemRangeUpdater::Kind::kLex:
      if (!ParseLexRange(ctx.argv[2], ctx.argv[3], &updater.lex)) {
        return ctx.reply.Error(kNotLexRange);
      }
      break;
  }
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  if (updater.removed > 0) ctx.AddDirty(updater.removed);
  ctx.reply.Integer(updater.removed);
}

void ZRemRangeByRank(CommandContext& ctx) { ZRemRangeGeneric(ctx, ZRemRangeUpdater::Kind::kRank); }
void ZRemRangeByScore(CommandContext& ctx) {
  ZRemRangeGeneric(ctx, ZRemRangeUpdater::Kind::kScore);
}
void ZRemRangeByLex(CommandContext& ctx) { ZRemRangeGeneric(ctx, ZRemRangeUpdater::Kind::kLex); }

// ---------------------------------------------------------------------------------------------
// ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT

void ZCard(CommandContext& ctx) {
  ReadZSet(
      ctx, ctx.argv[1], [&](const ZSetObject& z) { ctx.reply.Integer(z.size()); },
      [&] { ctx.reply.Integer(0); });
}

void ZScore(CommandContext& ctx) {
  ReadZSet(
      ctx, ctx.argv[1],
      [&](const ZSetObject& z) {
        const double* s = z.Score(ctx.argv[2]);
        s ? ctx.reply.Double(*s) : ctx.reply.Null();
      },
      [&] { ctx.reply.Null(); });
}

void ZMScore(CommandContext& ctx) {
  const auto members = ctx.argv.subspan(2);
  ReadZSet(
      ctx, ctx.argv[1],
      [&](const ZSetObject& z) {
        ctx.reply.ArrayHeader(members.size());
        for (std::string_view m : members) {
          const double* s = z.Score(m);
          s ? ctx.reply.Double(*s) : ctx.reply.Null();
        }
      },
      [&] {
        ctx.reply.ArrayHeader(members.size());
        for (size_t i = 0; i < members.size(); ++i) ctx.reply.Null();
      });
}

void ZRankGeneric(CommandContext& ctx, bool reverse) {
  ReadZSet(
      ctx, ctx.argv[1],
      [&](const ZSetObject& z) {
        const double* s = z.Score(ctx.argv[2]);
        if (s == nullptr) return ctx.reply.Null();
        const size_t rank = z.Rank(ctx.argv[2], *s);
        ctx.reply.Integer(reverse ? z.size() - 1 - rank : rank);
      },
      [&] { ctx.reply.Null(); });
}

void ZRank(CommandContext& ctx) { ZRankGeneric(ctx, false); }
void ZRevRank(CommandContext& ctx) { ZRankGeneric(ctx, true); }

void ZCount(CommandContext& ctx) {
  ScoreRange range;
  if (!ParseScoreRange(ctx.argv[2], ctx.argv[3], &range)) return ctx.reply.Error(kNotFloatRange);
  ReadZSet(
      ctx, ctx.argv[1],
      [&](const ZSetObject& z) { ctx.reply.Integer(ScoreRankSpan(z, range).size()); },
      [&] { ctx.reply.Integer(0); });
}

void ZLexCount(CommandContext& ctx) {
  LexRange range;
  if (!ParseLexRange(ctx.argv[2], ctx.argv[3], &range)) return ctx.reply.Error(kNotLexRange);
  ReadZSet(
      ctx, ctx.argv[1],
      [&](const ZSetObject& z) { ctx.reply.Integer(LexRankSpan(z, range).size()); },
      [&] { ctx.reply.Integer(0); });
}

// ---------------------------------------------------------------------------------------------
// ZRANGE and its older forms, ZRANGESTORE (Redis's zrangeGenericCommand)

enum class RangeType : uint8_t { kAuto, kRank, kScore, kLex };
enum class Direction : uint8_t { kAuto, kForward, kReverse };

struct RangeArgs {
  RangeType type = RangeType::kAuto;
  bool reverse = false;
  bool withscores = false;
  int64_t offset = 0, limit = -1;
  int64_t start = 0, end = 0;
  ScoreRange score;
  LexRange lex;
};

// Parses argv from `src` (the source key's index); replies and returns false on error.
bool ParseRange(CommandContext& ctx, size_t src, bool store, RangeType type, Direction dir,
                RangeArgs* a) {
  for (size_t j = src + 3; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.argv[j];
    const size_t left = ctx.argc() - j - 1;
    if (!store && EqualsIgnoreCase(opt, "withscores")) {
      a->withscores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!ParseLong(ctx, ctx.argv[j + 1], &a->offset) ||
          !ParseLong(ctx, ctx.argv[j + 2], &a->limit)) {
        return false;
      }
      j += 2;
    } else if (dir == Direction::kAuto && EqualsIgnoreCase(opt, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "byscore")) {
      type = RangeType::kScore;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
  }
  if (type == RangeType::kAuto) type = RangeType::kRank;
  a->type = type;
  a->reverse = dir == Direction::kReverse;
  if (a->limit != -1 && type == RangeType::kRank) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return false;
  }
  if (a->withscores && type == RangeType::kLex) {
    ctx.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return false;
  }
  std::string_view min = ctx.argv[src + 1], max = ctx.argv[src + 2];
  // BYSCORE / BYLEX in reverse take the range as max, min.
  if (a->reverse && type != RangeType::kRank) std::swap(min, max);
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      return ParseLong(ctx, min, &a->start) && ParseLong(ctx, max, &a->end);
    case RangeType::kScore:
      if (ParseScoreRange(min, max, &a->score)) return true;
      ctx.reply.Error(kNotFloatRange);
      return false;
    case RangeType::kLex:
      if (ParseLexRange(min, max, &a->lex)) return true;
      ctx.reply.Error(kNotLexRange);
      return false;
  }
  return false;
}

// The ranks selected by `a` in `z`, LIMIT applied.
RankSpan SelectRange(const ZSetObject& z, const RangeArgs& a) {
  switch (a.type) {
    case RangeType::kAuto:
    case RangeType::kRank: {
      RankSpan span = IndexRankSpan(a.start, a.end, z.size());
      if (a.reverse && span.size() > 0) {
        // Indexes count from the highest score: rank i is z.size() - 1 - i.
        span = {z.size() - span.last, z.size() - span.first};
      }
      return span;
    }
    case RangeType::kScore:
      return ApplyLimit(ScoreRankSpan(z, a.score), a.offset, a.limit, a.reverse);
    case RangeType::kLex:
      return ApplyLimit(LexRankSpan(z, a.lex), a.offset, a.limit, a.reverse);
  }
  return {};
}

void ZRangeGeneric(CommandContext& ctx, RangeType type, Direction dir) {
  RangeArgs a;
  if (!ParseRange(ctx, 1, false, type, dir, &a)) return;
  ReadZSet(
      ctx, ctx.argv[1],
      [&](const ZSetObject& z) {
        ReplyRankSpan(ctx.reply, z, SelectRange(z, a), a.reverse, a.withscores);
      },
      [&] { ctx.reply.EmptyArray(); });
}

void ZRange(CommandContext& ctx) { ZRangeGeneric(ctx, RangeType::kAuto, Direction::kAuto); }
void ZRevRange(CommandContext& ctx) { ZRangeGeneric(ctx, RangeType::kRank, Direction::kReverse); }
void ZRangeByScore(CommandContext& ctx) {
  ZRangeGeneric(ctx, RangeType::kScore, Direction::kForward);
}
void ZRevRangeByScore(CommandContext& ctx) {
  ZRangeGeneric(ctx, RangeType::kScore, Direction::kReverse);
}
void ZRangeByLex(CommandContext& ctx) { ZRangeGeneric(ctx, RangeType::kLex, Direction::kForward); }
void ZRevRangeByLex(CommandContext& ctx) {
  ZRangeGeneric(ctx, RangeType::kLex, Direction::kReverse);
}

// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
void ZRangeStore(CommandContext& ctx) {
  RangeArgs a;
  if (!ParseRange(ctx, 2, true, RangeType::kAuto, Direction::kAuto, &a)) return;
  const std::string_view dst = ctx.argv[1];
  const ZSetLimits limits = ZSetLimitsOf(ctx);
  std::unique_ptr<ZSetObject> result;
  bool wrong_type = false;
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[2], [&](const RecordView& r) {
    if (r.type != ValueType::kZSet) {
      wrong_type = true;
      return;
    }
    const auto& z = static_cast<const ZSetObject&>(*r.object);
    const RankSpan span = SelectRange(z, a);
    if (span.size() == 0) return;
    result = std::make_unique<ZSetObject>();
    result->Reserve(span.size());
    auto it = z.ordered().find_by_order(span.first);
    for (size_t i = 0; i < span.size(); ++i, ++it) {
      result->Add(it->second, it->first);
      NoteZSetGrowth(*result, it->second.size(), limits);
    }
  });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
  } else {
    if (ReplyStoreFailure(ctx, st)) return;
    CountKeyspaceHit(ctx);
    if (wrong_type) return ctx.reply.Error(errors::kWrongType);
  }
  if (result == nullptr) {
    Status del = ctx.store.Delete(ctx.client.db, dst);
    if (ReplyStoreFailure(ctx, del)) return;
    if (del.ok()) ctx.AddDirty();
    return ctx.reply.Integer(0);
  }
  const int64_t n = static_cast<int64_t>(result->size());
  storage::RecordBuilder record;
  record.type = ValueType::kZSet;
  record.object = std::move(result);
  if (ReplyStoreFailure(ctx, ctx.store.Upsert(ctx.client.db, dst, record))) return;
  ctx.AddDirty();
  ctx.SignalKeyReady(dst);
  ctx.reply.Integer(n);
}

constexpr CommandBinding kBindings[] = {
    {"bzmpop", zset::BZMPop},
    {"bzpopmax", zset::BZPopMax},
    {"bzpopmin", zset::BZPopMin},
    {"zadd", ZAdd},
    {"zcard", ZCard},
    {"zcount", ZCount},
    {"zdiff", zset::ZDiff},
    {"zdiffstore", zset::ZDiffStore},
    {"zincrby", ZIncrBy},
    {"zinter", zset::ZInter},
    {"zintercard", zset::ZInterCard},
    {"zinterstore", zset::ZInterStore},
    {"zlexcount", ZLexCount},
    {"zmpop", zset::ZMPop},
    {"zmscore", ZMScore},
    {"zpopmax", zset::ZPopMax},
    {"zpopmin", zset::ZPopMin},
    {"zrandmember", zset::ZRandMember},
    {"zrange", ZRange},
    {"zrangebylex", ZRangeByLex},
    {"zrangebyscore", ZRangeByScore},
    {"zrangestore", ZRangeStore},
    {"zrank", ZRank},
    {"zrem", ZRem},
    {"zremrangebylex", ZRemRangeByLex},
    {"zremrangebyrank", ZRemRangeByRank},
    {"zremrangebyscore", ZRemRangeByScore},
    {"zrevrange", ZRevRange},
    {"zrevrangebylex", ZRevRangeByLex},
    {"zrevrangebyscore", ZRevRangeByScore},
    {"zrevrank", ZRevRank},
    {"zscan", zset::ZScan},
    {"zscore", ZScore},
    {"zunion", zset::ZUnion},
    {"zunionstore", zset::ZUnionStore},
};

}  // namespace

std::span<const CommandBinding> ZSetFamily() { return kBindings; }

}  // namespace ferrite::commands
