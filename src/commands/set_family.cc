// Set commands: SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SRANDMEMBER SPOP SMOVE SINTER
// SINTERCARD SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE SSCAN, with Redis 7.0's replies
// (RESP3 sets where Redis answers with one), errors, keyspace statistics and propagation
// (t_set.c).
//
// Single-key writers are one Rmw through the updaters of commands/set_ops.h; readers reply from
// inside the store's read callback. Multi-key commands read every key before their first write,
// so a record on disk (Pending) leaves nothing half done.

#include <algorithm>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "base/random.h"
#include "base/string_util.h"
#include "commands/families.h"
#include "commands/hash_ops.h"
#include "commands/set_ops.h"
#include "commands/string_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
using storage::SetObject;
using storage::ValueType;
namespace errors = resp::errors;

Lookup ReadSet(CommandContext& ctx, std::string_view key, auto&& fn) {
  return ReadCollection<SetObject>(ctx, key, ValueType::kSet, fn);
}

// Redis's getPositiveLongFromObjectOrReply without a message: every failure (not an integer,
// negative) reads "value is out of range, must be positive".
bool ParsePositiveCount(CommandContext& ctx, std::string_view arg, int64_t* count) {
  if (!String2ll(arg, count) || *count < 0) {
    ctx.reply.Error(errors::kNegativeLength);
    return false;
  }
  return true;
}

void ReplyMembers(CommandContext& ctx, const SetObject& set) {
  ctx.reply.SetHeader(set.Length());
  for (const auto& e : set.table().entries()) ctx.reply.Bulk(e.key);
}

// ---------------------------------------------------------------------------------------------
// SADD SREM

void SAdd(CommandContext& ctx) {
  SetAddUpdater updater(ctx.argv.subspan(2), SetLimitsOf(ctx));
  if (ReplyRmwFailure(ctx, ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater))) return;
  ctx.AddDirty(updater.added);
  ctx.reply.Integer(updater.added);
}

void SRem(CommandContext& ctx) {
  SetRemUpdater updater(ctx.argv.subspan(2));
  if (ReplyRmwFailure(ctx, ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater))) return;
  ctx.AddDirty(updater.removed);
  ctx.reply.Integer(updater.removed);
}

// ---------------------------------------------------------------------------------------------
// SCARD SISMEMBER SMISMEMBER SMEMBERS

void SCard(CommandContext& ctx) {
  Lookup found = ReadSet(ctx, ctx.argv[1], [&](const SetObject& set) {
    ctx.reply.Integer(static_cast<int64_t>(set.Length()));
  });
  if (found == Lookup::kAbsent) ctx.reply.Integer(0);
}

void SIsMember(CommandContext& ctx) {
  const std::string_view member = ctx.argv[2];
  Lookup found = ReadSet(ctx, ctx.argv[1], [&](const SetObject& set) {
    ctx.reply.Integer(set.table().Contains(member));
  });
  if (found == Lookup::kAbsent) ctx.reply.Integer(0);
}

void SMIsMember(CommandContext& ctx) {
  const auto members = ctx.argv.subspan(2);
  Lookup found = ReadSet(ctx, ctx.argv[1], [&](const SetObject& set) {
    ctx.reply.ArrayHeader(members.size());
    for (std::string_view m : members) ctx.reply.Integer(set.table().Contains(m));
  });
  if (found != Lookup::kAbsent) return;
  ctx.reply.ArrayHeader(members.size());
  for (size_t i = 0; i < members.size(); ++i) ctx.reply.Integer(0);
}

void SMembers(CommandContext& ctx) {
  Lookup found = ReadSet(ctx, ctx.argv[1], [&](const SetObject& set) { ReplyMembers(ctx, set); });
  if (found == Lookup::kAbsent) ctx.reply.SetHeader(0);
}

// ---------------------------------------------------------------------------------------------
// SRANDMEMBER key [count]

void SRandMember(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.reply.Error(errors::kSyntax);
  if (ctx.argc() == 2) {
    Lookup found = ReadSet(ctx, ctx.argv[1], [&](const SetObject& set) {
      ctx.reply.Bulk(set.table().At(FastRandomBelow(set.Length())).key);
    });
    if (found == Lookup::kAbsent) ctx.reply.Null();
    return;
  }
  int64_t requested;
  if (!ParseRandomCount(ctx, ctx.argv[2], &requested)) return;
  Lookup found = ReadSet(ctx, ctx.argv[1], [&](const SetObject& set) {
    const auto& table = set.table();
    const size_t size = table.size();
    if (requested == 0) return ctx.reply.EmptyArray();
    if (requested < 0 || requested == 1) {
      // With repetitions (or one member): independent draws.
      const uint64_t count = requested < 0 ? 0 - static_cast<uint64_t>(requested) : 1;
      ctx.reply.ArrayHeader(count);
      for (uint64_t i = 0; i < count; ++i) ctx.reply.Bulk(table.At(FastRandomBelow(size)).key);
      return;
    }
    const auto count = static_cast<uint64_t>(requested);
    if (count >= size) {
      ctx.reply.ArrayHeader(size);
      for (const auto& e : table.entries()) ctx.reply.Bulk(e.key);
      return;
    }
    ctx.reply.ArrayHeader(count);
    for (uint32_t pos : SampleDistinctPositions(size, count)) ctx.reply.Bulk(table.At(pos).key);
  });
  if (found == Lookup::kAbsent) ctx.reply.EmptyArray();
}

// ---------------------------------------------------------------------------------------------
// SPOP key [count]

// Replicas and the AOF get the members removed, not a random choice to repeat: SREM commands of
// at most this many members each (Redis 7.0 sends one SREM per member; the effect is the same).
constexpr size_t kSpopPropagateBatch = 1024;

void SPop(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.reply.Error(errors::kSyntax);
  const bool with_count = ctx.argc() == 3;
  int64_t count = 1;
  if (with_count && !ParsePositiveCount(ctx, ctx.argv[2], &count)) return;
  const std::string_view key = ctx.argv[1];
  if (count == 0) {
    // Nothing to pop, but the key's type is still checked.
    Lookup found = ReadSet(ctx, key, [&](const SetObject&) { ctx.reply.SetHeader(0); });
    if (found == Lookup::kAbsent) ctx.reply.SetHeader(0);
    return;
  }
  SetPopUpdater updater(static_cast<uint64_t>(count));
  if (ReplyRmwFailure(ctx, ctx.store.Rmw(ctx.client.db, key, updater))) return;
  if (updater.outcome == RmwOutcome::kAbsent) {
    return with_count ? ctx.reply.SetHeader(0) : ctx.reply.Null();
  }
  const std::vector<std::string>& popped = updater.popped;
  ctx.AddDirty(static_cast<int64_t>(popped.size()));
  if (!with_count) {
    ctx.Propagate({"SREM", std::string(key), popped[0]});
    return ctx.reply.Bulk(popped[0]);
  }
  if (updater.whole) {
    ctx.Propagate({"DEL", std::string(key)});
  } else {
    for (size_t i = 0; i < popped.size(); i += kSpopPropagateBatch) {
      const size_t end = std::min(popped.size(), i + kSpopPropagateBatch);
      std::vector<std::string> srem;
      srem.reserve(end - i + 2);
      srem.emplace_back("SREM");
      srem.emplace_back(key);
      srem.insert(srem.end(), popped.begin() + i, popped.begin() + end);
      ctx.Propagate(std::move(srem));
    }
  }
  ctx.reply.SetHeader(popped.size());
  for (const std::string& m : popped) ctx.reply.Bulk(m);
}

// ---------------------------------------------------------------------------------------------
// SMOVE source destination member

void SMove(CommandContext& ctx) {
  const std::string_view src = ctx.argv[1], dst = ctx.argv[2], member = ctx.argv[3];
  // Read both keys before writing: types, membership, and residency.
  bool src_set = false, dst_wrong = false, is_member = false;
  Status st = ctx.store.Read(ctx.client.db, src, [&](const storage::RecordView& r) {
    src_set = r.type == ValueType::kSet && r.object != nullptr;
    if (src_set) is_member = static_cast<const SetObject*>(r.object)->table().Contains(member);
  });
  if (st.IsNotFound()) return ctx.reply.Integer(0);
  if (ReplyStoreFailure(ctx, st)) return;
  st = ctx.store.Read(ctx.client.db, dst,
                      [&](const storage::RecordView& r) { dst_wrong = r.type != ValueType::kSet; });
  if (ReplyStoreFailure(ctx, st)) return;
  if (!src_set || dst_wrong) return ctx.reply.Error(errors::kWrongType);
  if (src == dst || !is_member) return ctx.reply.Integer(is_member);

  const std::string_view one[] = {member};
  SetRemUpdater remove(one);
  if (ReplyRmwFailure(ctx, ctx.store.Rmw(ctx.client.db, src, remove))) return;
  ctx.AddDirty();
  SetAddUpdater add(one, SetLimitsOf(ctx));
  if (ReplyRmwFailure(ctx, ctx.store.Rmw(ctx.client.db, dst, add))) return;
  ctx.AddDirty(add.added);
  ctx.reply.Integer(1);
}

// ---------------------------------------------------------------------------------------------
// SINTER SUNION SDIFF SINTERCARD and the STORE forms

// Computes `op` over `keys`; replies and returns false on failure (or goes pending).
bool RunSetOp(CommandContext& ctx, std::span<const std::string_view> keys, SetOp op,
              SetOpResult* result) {
  Status st = ComputeSetOp(ctx.store, ctx.client.db, keys, op, result);
  CountKeyspace(ctx, result->hits, result->misses);
  return !ReplyStoreFailure(ctx, st);
}

void SetOpCommand(CommandContext& ctx, SetOp op) {
  SetOpResult result;
  if (!RunSetOp(ctx, ctx.argv.subspan(1), op, &result)) return;
  ReplyMembers(ctx, *result.set);
}

void SInter(CommandContext& ctx) { SetOpCommand(ctx, SetOp::kInter); }
void SUnion(CommandContext& ctx) { SetOpCommand(ctx, SetOp::kUnion); }
void SDiff(CommandContext& ctx) { SetOpCommand(ctx, SetOp::kDiff); }

void SetOpStore(CommandContext& ctx, SetOp op) {
  const std::string_view dst = ctx.argv[1];
  // The destination too must be resident before the (single) write.
  Status st = ctx.store.Read(ctx.client.db, dst, [](const storage::RecordView&) {});
  if (ReplyStoreFailure(ctx, st)) return;
  SetOpResult result;
  if (!RunSetOp(ctx, ctx.argv.subspan(2), op, &result)) return;
  const auto size = static_cast<int64_t>(result.set->Length());
  if (size == 0) {
    st = ctx.store.Delete(ctx.client.db, dst);
    if (ReplyStoreFailure(ctx, st)) return;
    if (st.ok()) ctx.AddDirty();
    return ctx.reply.Integer(0);
  }
  // Whatever was at the destination (any type, any TTL) is replaced.
  ResetSetEncoding(*result.set, SetLimitsOf(ctx));
  storage::RecordBuilder record;
  record.type = ValueType::kSet;
  record.object = std::move(result.set);
  if (ReplyStoreFailure(ctx, ctx.store.Upsert(ctx.client.db, dst, record))) return;
  ctx.AddDirty();
  ctx.reply.Integer(size);
}

void SInterStore(CommandContext& ctx) { SetOpStore(ctx, SetOp::kInter); }
void SUnionStore(CommandContext& ctx) { SetOpStore(ctx, SetOp::kUnion); }
void SDiffStore(CommandContext& ctx) { SetOpStore(ctx, SetOp::kDiff); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCard(CommandContext& ctx) {
  int64_t numkeys;
  if (!String2ll(ctx.argv[1], &numkeys) || numkeys < 1) {
    return ctx.reply.Error("ERR numkeys should be greater than 0");
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 2) {
    return ctx.reply.Error("ERR Number of keys can't be greater than number of args");
  }
  int64_t limit = 0;  // 0: no limit
  for (size_t j = 2 + static_cast<size_t>(numkeys); j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(ctx.argv[j], "limit") && j + 1 < ctx.argc()) {
      if (!String2ll(ctx.argv[++j], &limit) || limit < 0) {
        return ctx.reply.Error("ERR LIMIT can't be negative");
      }
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  SetOpResult result;
  if (!RunSetOp(ctx, ctx.argv.subspan(2, static_cast<size_t>(numkeys)), SetOp::kInter, &result)) {
    return;
  }
  auto cardinality = static_cast<int64_t>(result.set->Length());
  if (limit > 0) cardinality = std::min(cardinality, limit);
  ctx.reply.Integer(cardinality);
}

// ---------------------------------------------------------------------------------------------
// SSCAN key cursor [MATCH pattern] [COUNT count]

void SScan(CommandContext& ctx) {
  CollectionScanArgs args;
  if (!ParseCollectionScanArgs(ctx, &args)) return;
  const SetLimits limits = SetLimitsOf(ctx);
  Lookup found = ReadSet(ctx, ctx.argv[1], [&](const SetObject& set) {
    if (!args.error.empty()) return ctx.reply.Error(args.error);
    std::vector<std::string_view> hits;
    uint64_t next = 0;
    auto visit = [&](const SetObject::Table::Entry& e) {
      if (ScanMatches(args, e.key)) hits.push_back(e.key);
    };
    if (SetEncoding(set, limits) == "intset") {
      // Redis returns a small (intset) set whole, with cursor 0.
      for (const auto& e : set.table().entries()) visit(e);
    } else {
      next = set.table().Scan(args.cursor, args.count, visit);
    }
    ctx.reply.ArrayHeader(2);
    ReplyScanCursor(ctx, next);
    ctx.reply.ArrayHeader(hits.size());
    for (std::string_view m : hits) ctx.reply.Bulk(m);
  });
  if (found != Lookup::kAbsent) return;
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk("0");
  ctx.reply.EmptyArray();
}

constexpr CommandBinding kBindings[] = {
    {"sadd", SAdd},
    {"scard", SCard},
    {"sdiff", SDiff},
    {"sdiffstore", SDiffStore},
    {"sinter", SInter},
    {"sintercard", SInterCard},
    {"sinterstore", SInterStore},
    {"sismember", SIsMember},
    {"smembers", SMembers},
    {"smismember", SMIsMember},
    {"smove", SMove},
    {"spop", SPop},
    {"srandmember", SRandMember},
    {"srem", SRem},
    {"sscan", SScan},
    {"sunion", SUnion},
    {"sunionstore", SUnionStore},
};

}  // namespace

std::span<const CommandBinding> SetFamily() { return kBindings; }

}  // namespace ferrite::commands
