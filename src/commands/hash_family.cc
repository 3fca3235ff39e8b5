// Hash commands: HSET HSETNX HMSET HGET HMGET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL
// HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, with Redis 7.0's replies (RESP2 and RESP3), errors,
// keyspace statistics and propagation (t_hash.c).
//
// Writers are one Rmw through the updaters of commands/hash_ops.h; readers write their reply
// from inside the store's read callback, straight from the HashObject, without copying it.

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "base/random.h"
#include "base/string_util.h"
#include "commands/families.h"
#include "commands/hash_ops.h"
#include "commands/string_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
using storage::HashObject;
using storage::ValueType;
namespace errors = resp::errors;

Lookup ReadHash(CommandContext& ctx, auto&& fn) {
  return ReadCollection<HashObject>(ctx, ctx.argv[1], ValueType::kHash, fn);
}

// ---------------------------------------------------------------------------------------------
// HSET HMSET HSETNX

void HSetGeneric(CommandContext& ctx, bool hmset) {
  if (ctx.argc() % 2 == 1) return ctx.reply.Error(errors::WrongArity(ctx.spec.name));
  HashSetUpdater updater(ctx.argv.subspan(2), /*only_new=*/false, HashLimitsOf(ctx));
  if (ReplyRmwFailure(ctx, ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater))) return;
  ctx.AddDirty(static_cast<int64_t>(ctx.argc() - 2) / 2);
  hmset ? ctx.reply.Ok() : ctx.reply.Integer(updater.added);
}

void HSet(CommandContext& ctx) { HSetGeneric(ctx, false); }
void HMSet(CommandContext& ctx) { HSetGeneric(ctx, true); }

void HSetNx(CommandContext& ctx) {
  HashSetUpdater updater(ctx.argv.subspan(2, 2), /*only_new=*/true, HashLimitsOf(ctx));
  if (ReplyRmwFailure(ctx, ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater))) return;
  if (updater.outcome != RmwOutcome::kDone) return ctx.reply.Integer(0);
  ctx.AddDirty();
  ctx.reply.Integer(1);
}

// ---------------------------------------------------------------------------------------------
// HGET HMGET HLEN HSTRLEN HEXISTS

void HGet(CommandContext& ctx) {
  const std::string_view field = ctx.argv[2];
  Lookup found = ReadHash(ctx, [&](const HashObject& hash) {
    const std::string* value = hash.table().Find(field);
    value != nullptr ? ctx.reply.Bulk(*value) : ctx.reply.Null();
  });
  if (found == Lookup::kAbsent) ctx.reply.Null();
}

void HMGet(CommandContext& ctx) {
  const auto fields = ctx.argv.subspan(2);
  Lookup found = ReadHash(ctx, [&](const HashObject& hash) {
    ctx.reply.ArrayHeader(fields.size());
    for (std::string_view field : fields) {
      const std::string* value = hash.table().Find(field);
      value != nullptr ? ctx.reply.Bulk(*value) : ctx.reply.Null();
    }
  });
  if (found != Lookup::kAbsent) return;
  // A missing key is an empty hash: one null per field.
  ctx.reply.ArrayHeader(fields.size());
  for (size_t i = 0; i < fields.size(); ++i) ctx.reply.Null();
}

void HLen(CommandContext& ctx) {
  Lookup found = ReadHash(
      ctx, [&](const HashObject& hash) { ctx.reply.Integer(static_cast<int64_t>(hash.Length())); });
  if (found == Lookup::kAbsent) ctx.reply.Integer(0);
}

void HStrLen(CommandContext& ctx) {
  const std::string_view field = ctx.argv[2];
  Lookup found = ReadHash(ctx, [&](const HashObject& hash) {
    const std::string* value = hash.table().Find(field);
    ctx.reply.Integer(value != nullptr ? static_cast<int64_t>(value->size()) : 0);
  });
  if (found == Lookup::kAbsent) ctx.reply.Integer(0);
}

void HExists(CommandContext& ctx) {
  const std::string_view field = ctx.argv[2];
  Lookup found = ReadHash(
      ctx, [&](const HashObject& hash) { ctx.reply.Integer(hash.table().Contains(field)); });
  if (found == Lookup::kAbsent) ctx.reply.Integer(0);
}

// ---------------------------------------------------------------------------------------------
// HKEYS HVALS HGETALL

enum HashParts { kFields = 1, kValues = 2, kBoth = 3 };

void HGetAllGeneric(CommandContext& ctx, HashParts parts) {
  Lookup found = ReadHash(ctx, [&](const HashObject& hash) {
    // HGETALL is a map in RESP3; HKEYS and HVALS are arrays.
    parts == kBoth ? ctx.reply.MapHeader(hash.Length()) : ctx.reply.ArrayHeader(hash.Length());
    for (const auto& e : hash.table().entries()) {
      if (parts & kFields) ctx.reply.Bulk(e.key);
      if (parts & kValues) ctx.reply.Bulk(e.value);
    }
  });
  if (found == Lookup::kAbsent) parts == kBoth ? ctx.reply.MapHeader(0) : ctx.reply.EmptyArray();
}

void HKeys(CommandContext& ctx) { HGetAllGeneric(ctx, kFields); }
void HVals(CommandContext& ctx) { HGetAllGeneric(ctx, kValues); }
void HGetAll(CommandContext& ctx) { HGetAllGeneric(ctx, kBoth); }

// ---------------------------------------------------------------------------------------------
// HDEL HINCRBY HINCRBYFLOAT

void HDel(CommandContext& ctx) {
  HashDelUpdater updater(ctx.argv.subspan(2));
  if (ReplyRmwFailure(ctx, ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater))) return;
  ctx.AddDirty(updater.deleted);
  ctx.reply.Integer(updater.deleted);
}

void HIncrBy(CommandContext& ctx) {
  int64_t delta;
  if (!String2ll(ctx.argv[3], &delta)) return ctx.reply.Error(errors::kNotInteger);
  HashIncrByUpdater updater(ctx.argv[2], delta, HashLimitsOf(ctx));
  if (ReplyRmwFailure(ctx, ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater))) return;
  switch (updater.outcome) {
    case RmwOutcome::kDone:
      ctx.AddDirty();
      return ctx.reply.Integer(updater.value);
    case RmwOutcome::kOverflow:
      return ctx.reply.Error(errors::kOverflow);
    default:
      return ctx.reply.Error("ERR hash value is not an integer");
  }
}

void HIncrByFloat(CommandContext& ctx) {
  long double increment;
  if (!String2ld(ctx.argv[3], &increment)) return ctx.reply.Error(errors::kNotFloat);
  if (std::isnan(increment) || std::isinf(increment)) {
    return ctx.reply.Error("ERR value is NaN or Infinity");
  }
  HashIncrByFloatUpdater updater(ctx.argv[2], increment, HashLimitsOf(ctx));
  if (ReplyRmwFailure(ctx, ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater))) return;
  switch (updater.outcome) {
    case RmwOutcome::kDone:
      break;
    case RmwOutcome::kNanOrInfinity:
      return ctx.reply.Error(errors::kIncrNanOrInf);
    default:
      return ctx.reply.Error("ERR hash value is not a float");
  }
  ctx.AddDirty();
  // Float formatting may differ elsewhere: replicas and the AOF get the resulting value.
  ctx.Propagate({"HSET", std::string(ctx.argv[1]), std::string(ctx.argv[2]), updater.text});
  ctx.reply.Bulk(updater.text);
}

// ---------------------------------------------------------------------------------------------
// HRANDFIELD key [count [WITHVALUES]]

void ReplyRandomFields(CommandContext& ctx, const HashObject& hash, int64_t requested,
                       bool with_values) {
  const auto& table = hash.table();
  const size_t size = table.size();
  const bool resp3_pairs = with_values && ctx.reply.protocol() >= 3;
  auto emit = [&](const HashObject::Table::Entry& e) {
    if (resp3_pairs) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(e.key);
    if (with_values) ctx.reply.Bulk(e.value);
  };
  // RESP2 flattens field/value pairs; RESP3 nests them.
  auto header = [&](size_t n) { ctx.reply.ArrayHeader(with_values && !resp3_pairs ? n * 2 : n); };

  if (requested < 0 || requested == 1) {
    // With repetitions (or one element): independent draws, in random order.
    const uint64_t count = requested < 0 ? 0 - static_cast<uint64_t>(requested) : 1;
    header(count);
    for (uint64_t i = 0; i < count; ++i) emit(table.At(FastRandomBelow(size)));
    return;
  }
  const auto count = static_cast<uint64_t>(requested);
  if (count >= size) {
    header(size);
    for (const auto& e : table.entries()) emit(e);
    return;
  }
  header(count);
  for (uint32_t pos : SampleDistinctPositions(size, count)) emit(table.At(pos));
}

void HRandField(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    Lookup found = ReadHash(ctx, [&](const HashObject& hash) {
      ctx.reply.Bulk(hash.table().At(FastRandomBelow(hash.Length())).key);
    });
    if (found == Lookup::kAbsent) ctx.reply.Null();
    return;
  }
  int64_t count;
  if (!ParseRandomCount(ctx, ctx.argv[2], &count)) return;
  bool with_values = false;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.argv[3], "withvalues"))) {
    return ctx.reply.Error(errors::kSyntax);
  }
  if (ctx.argc() == 4) {
    with_values = true;
    constexpr int64_t kHalf = std::numeric_limits<int64_t>::max() / 2;
    if (count < -kHalf || count > kHalf) return ctx.reply.Error("ERR value is out of range");
  }
  Lookup found = ReadHash(ctx, [&](const HashObject& hash) {
    if (count == 0) return ctx.reply.EmptyArray();
    ReplyRandomFields(ctx, hash, count, with_values);
  });
  if (found == Lookup::kAbsent) ctx.reply.EmptyArray();
}

// ---------------------------------------------------------------------------------------------
// HSCAN key cursor [MATCH pattern] [COUNT count]

void HScan(CommandContext& ctx) {
  CollectionScanArgs args;
  if (!ParseCollectionScanArgs(ctx, &args)) return;
  const HashLimits limits = HashLimitsOf(ctx);
  Lookup found = ReadHash(ctx, [&](const HashObject& hash) {
    if (!args.error.empty()) return ctx.reply.Error(args.error);
    std::vector<const HashObject::Table::Entry*> hits;
    uint64_t next = 0;
    auto visit = [&](const HashObject::Table::Entry& e) {
      if (ScanMatches(args, e.key)) hits.push_back(&e);
    };
    if (HashEncoding(hash, limits) == "listpack") {
      // Redis returns a small (listpack) hash whole, with cursor 0.
      for (const auto& e : hash.table().entries()) visit(e);
    } else {
      next = hash.table().Scan(args.cursor, args.count, visit);
    }
    ctx.reply.ArrayHeader(2);
    ReplyScanCursor(ctx, next);
    ctx.reply.ArrayHeader(hits.size() * 2);
    for (const auto* e : hits) {
      ctx.reply.Bulk(e->key);
      ctx.reply.Bulk(e->value);
    }
  });
  if (found != Lookup::kAbsent) return;
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk("0");
  ctx.reply.EmptyArray();
}

constexpr CommandBinding kBindings[] = {
    {"hdel", HDel},
    {"hexists", HExists},
    {"hget", HGet},
    {"hgetall", HGetAll},
    {"hincrby", HIncrBy},
    {"hincrbyfloat", HIncrByFloat},
    {"hkeys", HKeys},
    {"hlen", HLen},
    {"hmget", HMGet},
    {"hmset", HMSet},
    {"hrandfield", HRandField},
    {"hscan", HScan},
    {"hset", HSet},
    {"hsetnx", HSetNx},
    {"hstrlen", HStrLen},
    {"hvals", HVals},
};

}  // namespace

std::span<const CommandBinding> HashFamily() { return kBindings; }

}  // namespace ferrite::commands
