// ZPOPMIN ZPOPMAX ZMPOP, their blocking forms BZPOPMIN BZPOPMAX BZMPOP, ZRANDMEMBER and ZSCAN
// (Redis 7.0's genericZpopCommand, blockingGenericZpopCommand, zmpopGenericCommand,
// zrandmemberCommand, scanGenericCommand).
//
// Blocking (server/command_context.h): when no key has anything to pop and the client may block,
// the handler calls ctx.Block() and returns without a reply; the dispatcher re-runs it when a
// key is signalled or with ctx.timed_out set. Every served pop is propagated as ZPOPMIN/ZPOPMAX
// (with the count actually popped for the COUNT forms), as Redis does.

#include <absl/container/flat_hash_set.h>

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "base/random.h"
#include "base/string_util.h"
#include "commands/hash_ops.h"
#include "commands/string_ops.h"
#include "commands/zset_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"

namespace ferrite::commands::zset {
namespace {

using server::CommandContext;
using storage::RecordView;
using storage::ValueType;
using storage::ZSetObject;
namespace errors = resp::errors;

// How a pop reply is shaped (Redis's emitkey / use_nested_array).
enum class PopShape : uint8_t {
  kFlat,       // ZPOPMIN without COUNT (and with it in RESP2): member, score, ...
  kNested,     // ZPOPMIN with COUNT in RESP3: [member, score], ...
  kKeyFlat,    // BZPOPMIN: key, member, score
  kKeyNested,  // ZMPOP / BZMPOP: key, [[member, score], ...]
};

void ReplyPopped(CommandContext& ctx, std::string_view key, const ZPopUpdater& u, PopShape shape) {
  const size_t n = u.popped.size();
  switch (shape) {
    case PopShape::kFlat:
      ctx.reply.ArrayHeader(2 * n);
      break;
    case PopShape::kNested:
      ctx.reply.ArrayHeader(n);
      break;
    case PopShape::kKeyFlat:
      ctx.reply.ArrayHeader(2 * n + 1);
      ctx.reply.Bulk(key);
      break;
    case PopShape::kKeyNested:
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(key);
      ctx.reply.ArrayHeader(n);
      break;
  }
  const bool nested = shape == PopShape::kNested || shape == PopShape::kKeyNested;
  for (const auto& [score, member] : u.popped) {
    if (nested) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(member);
    ctx.reply.Double(score);
  }
}

enum class PopResult : uint8_t { kServed, kNothing, kReplied };

// What a served pop propagates instead of argv: nothing (ZPOPMIN/ZPOPMAX already are their
// propagated form), "ZPOPMIN key", or "ZPOPMIN key <popped>".
enum class Rewrite : uint8_t { kNone, kPlain, kWithCount };

// Pops from the first key of `keys` that exists. kReplied when an error was replied or the
// command went pending; kNothing when no key exists.
PopResult PopFirst(CommandContext& ctx, std::span<const std::string_view> keys, bool from_max,
                   size_t count, PopShape shape, Rewrite rewrite) {
  // A blocked command re-run after a wake-up skips keys of another type, as Redis serves only
  // sorted sets to its blocked clients (a ZADD + DEL + SET in one MULTI must not wake it with an
  // error); its first run reports WRONGTYPE.
  const bool woken = ctx.client.block.registered;
  for (std::string_view key : keys) {
    ZPopUpdater updater(from_max, count);
    Status st = ctx.store.Rmw(ctx.client.db, key, updater);
    if (woken && st.code() == StatusCode::kWrongType) continue;
    if (ReplyRmwFailure(ctx, st)) return PopResult::kReplied;
    if (updater.outcome != ZOutcome::kDone) continue;
    ctx.AddDirty(static_cast<int64_t>(updater.popped.size()));
    if (rewrite != Rewrite::kNone) {
      std::vector<std::string> argv{from_max ? "ZPOPMAX" : "ZPOPMIN", std::string(key)};
      if (rewrite == Rewrite::kWithCount) {
        argv.push_back(Ll2String(static_cast<int64_t>(updater.popped.size())));
      }
      ctx.Propagate(std::move(argv));
    }
    ReplyPopped(ctx, key, updater, shape);
    return PopResult::kServed;
  }
  return PopResult::kNothing;
}

// Redis's getTimeoutFromObjectOrReply in seconds: a float, rounded up to milliseconds.
bool ParseTimeout(CommandContext& ctx, std::string_view arg, int64_t* timeout_ms) {
  long double seconds;
  if (!String2ld(arg, &seconds)) {
    ctx.reply.Error("ERR timeout is not a float or out of range");
    return false;
  }
  const long double ms = std::ceil(seconds * 1000.0L);
  if (ms < 0) {
    ctx.reply.Error(errors::kTimeoutNegative);
    return false;
  }
  // Redis converts to a long long without a check; keep far from overflow instead.
  if (ms > static_cast<long double>(std::numeric_limits<int64_t>::max() / 2)) {
    ctx.reply.Error("ERR timeout is out of range");
    return false;
  }
  *timeout_ms = static_cast<int64_t>(ms);
  return true;
}

// The tail of BZPOPMIN / BZMPOP once the arguments are parsed.
void BlockingPop(CommandContext& ctx, std::span<const std::string_view> keys, bool from_max,
                 size_t count, int64_t timeout_ms, PopShape shape, Rewrite rewrite) {
  const PopResult r = PopFirst(ctx, keys, from_max, count, shape, rewrite);
  if (r != PopResult::kNothing) return;
  if (ctx.can_block && !ctx.timed_out) return ctx.Block(keys, timeout_ms);
  ctx.reply.NullArray();
}

void ZPopMinMax(CommandContext& ctx, bool from_max) {
  if (ctx.argc() > 3) return ctx.reply.Error(errors::kSyntax);
  int64_t count = -1;
  if (ctx.argc() == 3 && (!String2ll(ctx.argv[2], &count) || count < 0)) {
    return ctx.reply.Error(errors::kNegativeLength);
  }
  const std::string_view key = ctx.argv[1];
  if (count == 0) {
    // Nothing to pop, but Redis still checks the type.
    bool wrong_type = false;
    Status st = ctx.store.Read(
        ctx.client.db, key, [&](const RecordView& r) { wrong_type = r.type != ValueType::kZSet; });
    if (ReplyStoreFailure(ctx, st)) return;
    if (wrong_type) return ctx.reply.Error(errors::kWrongType);
    return ctx.reply.EmptyArray();
  }
  const PopShape shape =
      count != -1 && ctx.reply.protocol() >= 3 ? PopShape::kNested : PopShape::kFlat;
  const std::string_view keys[] = {key};
  const PopResult r = PopFirst(ctx, keys, from_max, count == -1 ? 1 : static_cast<size_t>(count),
                               shape, Rewrite::kNone);
  if (r == PopResult::kNothing) ctx.reply.EmptyArray();
}

// ZMPOP / BZMPOP argument parsing from numkeys at `numkeys_idx`.
bool ParseMPop(CommandContext& ctx, size_t numkeys_idx, std::span<const std::string_view>* keys,
               bool* from_max, size_t* count) {
  auto parse_where = [&](std::string_view where) {
    *from_max = EqualsIgnoreCase(where, "max");
    return *from_max || EqualsIgnoreCase(where, "min");
  };
  return ParseMPopArgs(ctx, numkeys_idx, parse_where, keys, count);
}

}  // namespace

void ZPopMin(CommandContext& ctx) { ZPopMinMax(ctx, false); }
void ZPopMax(CommandContext& ctx) { ZPopMinMax(ctx, true); }

void ZMPop(CommandContext& ctx) {
  std::span<const std::string_view> keys;
  bool from_max;
  size_t count;
  if (!ParseMPop(ctx, 1, &keys, &from_max, &count)) return;
  const PopResult r =
      PopFirst(ctx, keys, from_max, count, PopShape::kKeyNested, Rewrite::kWithCount);
  if (r == PopResult::kNothing) ctx.reply.NullArray();
}

void BZPopMin(CommandContext& ctx) {
  int64_t timeout_ms;
  if (!ParseTimeout(ctx, ctx.argv.back(), &timeout_ms)) return;
  BlockingPop(ctx, ctx.argv.subspan(1, ctx.argc() - 2), false, 1, timeout_ms, PopShape::kKeyFlat,
              Rewrite::kPlain);
}

void BZPopMax(CommandContext& ctx) {
  int64_t timeout_ms;
  if (!ParseTimeout(ctx, ctx.argv.back(), &timeout_ms)) return;
  BlockingPop(ctx, ctx.argv.subspan(1, ctx.argc() - 2), true, 1, timeout_ms, PopShape::kKeyFlat,
              Rewrite::kPlain);
}

void BZMPop(CommandContext& ctx) {
  std::span<const std::string_view> keys;
  bool from_max;
  size_t count;
  if (!ParseMPop(ctx, 2, &keys, &from_max, &count)) return;
  int64_t timeout_ms;
  if (!ParseTimeout(ctx, ctx.argv[1], &timeout_ms)) return;
  BlockingPop(ctx, keys, from_max, count, timeout_ms, PopShape::kKeyNested, Rewrite::kWithCount);
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER key [count [WITHSCORES]]

void ZRandMember(CommandContext& ctx) {
  int64_t l = 0;
  bool with_count = ctx.argc() >= 3;
  bool withscores = false;
  if (with_count) {
    if (!String2ll(ctx.argv[2], &l)) return ctx.reply.Error(errors::kNotInteger);
    if (l == std::numeric_limits<int64_t>::min()) {
      return ctx.reply.Error(
          "ERR value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
    }
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.argv[3], "withscores"))) {
      return ctx.reply.Error(errors::kSyntax);
    }
    if (ctx.argc() == 4) {
      withscores = true;
      constexpr int64_t kHalf = std::numeric_limits<int64_t>::max() / 2;
      if (l < -kHalf || l > kHalf) return ctx.reply.Error("ERR value is out of range");
    }
  }
  bool wrong_type = false;
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[1], [&](const RecordView& r) {
    if (r.type != ValueType::kZSet) {
      wrong_type = true;
      return;
    }
    const auto& z = static_cast<const ZSetObject&>(*r.object);
    const auto entries = z.scores().entries();
    const size_t size = entries.size();
    auto emit = [&](size_t pos) {
      ReplyScored(ctx.reply, entries[pos].key, entries[pos].value, withscores);
    };
    if (!with_count) return ctx.reply.Bulk(entries[FastRandomBelow(size)].key);
    const uint64_t count = l >= 0 ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
    if (count == 0) return ctx.reply.EmptyArray();
    if (l < 0 || count == 1) {
      // With repetitions: every pick samples the whole set.
      ReplyScoredHeader(ctx.reply, count, withscores);
      for (uint64_t i = 0; i < count; ++i) emit(FastRandomBelow(size));
      return;
    }
    if (count >= size) {
      ReplyScoredHeader(ctx.reply, size, withscores);
      for (size_t i = 0; i < size; ++i) emit(i);
      return;
    }
    ReplyScoredHeader(ctx.reply, count, withscores);
    if (count * 3 > size) {
      // Close to the whole set: drop random positions until `count` remain (Redis's CASE 3).
      std::vector<uint32_t> pos(size);
      for (size_t i = 0; i < size; ++i) pos[i] = static_cast<uint32_t>(i);
      while (pos.size() > count) {
        const size_t victim = FastRandomBelow(pos.size());
        pos[victim] = pos.back();
        pos.pop_back();
      }
      for (uint32_t p : pos) emit(p);
      return;
    }
    // Few of many: draw until `count` distinct positions (CASE 4).
    absl::flat_hash_set<uint64_t> seen;
    seen.reserve(count);
    while (seen.size() < count) {
      const uint64_t p = FastRandomBelow(size);
      if (seen.insert(p).second) emit(p);
    }
  });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    return with_count ? ctx.reply.EmptyArray() : ctx.reply.Null();
  }
  if (ReplyStoreFailure(ctx, st)) return;
  CountKeyspaceHit(ctx);
  if (wrong_type) ctx.reply.Error(errors::kWrongType);
}

// ---------------------------------------------------------------------------------------------
// ZSCAN key cursor [MATCH pattern] [COUNT count]

void ZScan(CommandContext& ctx) {
  CollectionScanArgs args;
  if (!ParseCollectionScanArgs(ctx, &args)) return;
  bool wrong_type = false;
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[1], [&](const RecordView& r) {
    if (r.type != ValueType::kZSet) {
      wrong_type = true;
      return;
    }
    if (!args.error.empty()) return ctx.reply.Error(args.error);
    const auto& z = static_cast<const ZSetObject&>(*r.object);
    std::vector<std::pair<std::string_view, double>> found;
    auto visit = [&](const ZSetObject::Scores::Entry& e) {
      if (ScanMatches(args, e.key)) found.emplace_back(e.key, e.value);
    };
    uint64_t next = 0;
    if (!z.skiplist_encoding) {
      // A listpack is returned whole in one call, cursor 0, as Redis does.
      for (const auto& e : z.scores().entries()) visit(e);
    } else {
      next = z.scores().Scan(args.cursor, args.count, visit);
    }
    ctx.reply.ArrayHeader(2);
    ReplyScanCursor(ctx, next);
    ctx.reply.ArrayHeader(2 * found.size());
    char buf[kMaxLongDoubleChars];
    for (const auto& [member, score] : found) {
      ctx.reply.Bulk(member);
      // The text Redis keeps in a listpack (d2string), or ld2string for a skiplist's double.
      const size_t n = z.skiplist_encoding ? Ld2String(buf, sizeof buf, score, LdMode::kAuto)
                                           : D2String(buf, sizeof buf, score);
      ctx.reply.Bulk(std::string_view(buf, n));
    }
  });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    return ctx.reply.Raw("*2\r\n$1\r\n0\r\n*0\r\n");
  }
  if (ReplyStoreFailure(ctx, st)) return;
  CountKeyspaceHit(ctx);
  if (wrong_type) ctx.reply.Error(errors::kWrongType);
}

}  // namespace ferrite::commands::zset
