// ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD (Redis 7.0's
// zunionInterDiffGenericCommand). Inputs may be sorted sets or sets (members scored 1).
//
// The store hands out objects only inside a reader callback, so each input is read when it is
// needed: a first pass checks types and sizes (WRONGTYPE and Pending come before any option
// error or write, as in Redis), then the operation reads the inputs again, smallest first, into
// an accumulator. Nothing is written before every input has been read.

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/string_util.h"
#include "commands/string_ops.h"
#include "commands/zset_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "storage/objects/set_object.h"

namespace ferrite::commands::zset {
namespace {

using server::CommandContext;
using storage::RecordView;
using storage::SetObject;
using storage::ValueType;
using storage::ZSetObject;
namespace errors = resp::errors;

enum class SetOp : uint8_t { kUnion, kInter, kDiff };
enum class Aggregate : uint8_t { kSum, kMin, kMax };

// One input: a sorted set, a set, or nothing (absent key).
struct SourceView {
  const ZSetObject* zset = nullptr;
  const SetObject* set = nullptr;

  size_t size() const { return zset ? zset->size() : set ? set->Length() : 0; }
  // The member's score (1 for a set member), or false when absent.
  bool Find(std::string_view member, double* score) const {
    if (zset) {
      const double* s = zset->Score(member);
      if (s) *score = *s;
      return s != nullptr;
    }
    if (set && set->table().Contains(member)) {
      *score = 1.0;
      return true;
    }
    return false;
  }
  template <typename Fn>
  void ForEach(Fn fn) const {
    if (zset) {
      for (const auto& e : zset->scores().entries()) fn(std::string_view(e.key), e.value);
    } else if (set) {
      for (const auto& e : set->table().entries()) fn(std::string_view(e.key), 1.0);
    }
  }
};

// Reads `key` and calls fn(view). Returns the store status; WrongType for other types.
template <typename Fn>
Status ReadSource(CommandContext& ctx, std::string_view key, Fn fn) {
  bool wrong_type = false;
  Status st = ctx.store.Read(ctx.client.db, key, [&](const RecordView& r) {
    SourceView v;
    if (r.type == ValueType::kZSet) {
      v.zset = static_cast<const ZSetObject*>(r.object);
    } else if (r.type == ValueType::kSet) {
      v.set = static_cast<const SetObject*>(r.object);
    } else {
      wrong_type = true;
      return;
    }
    fn(v);
  });
  if (st.IsNotFound()) {
    fn(SourceView{});
    return Status::Ok();
  }
  if (st.ok() && wrong_type) return Status::WrongType();
  return st;
}

void AggregateInto(double* target, double value, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += value;
      // inf + -inf: Redis stores 0 rather than NaN.
      if (std::isnan(*target)) *target = 0.0;
      break;
    case Aggregate::kMin:
      *target = value < *target ? value : *target;
      break;
    case Aggregate::kMax:
      *target = value > *target ? value : *target;
      break;
  }
}

struct Input {
  std::string_view key;
  double weight = 1.0;
  size_t size = 0;
};

using Accumulator = absl::flat_hash_map<std::string, double>;
// Debian's Abseil keeps its own string_view type, which the map's heterogeneous lookup expects.
absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The set operation over `inputs` (already ordered). Fills `acc`; false when a store call went
// pending or failed (then it has replied or marked the command pending).
bool Compute(CommandContext& ctx, SetOp op, Aggregate agg, std::span<const Input> inputs,
             Accumulator* acc) {
  auto read = [&](const Input& in, auto fn) {
    Status st = ReadSource(ctx, in.key, fn);
    return !ReplyStoreFailure(ctx, st);
  };
  if (op == SetOp::kUnion) {
    if (!inputs.empty()) acc->reserve(inputs.back().size);
    for (const Input& in : inputs) {
      if (in.size == 0) continue;
      const bool ok = read(in, [&](const SourceView& v) {
        v.ForEach([&](std::string_view m, double s) {
          double score = in.weight * s;
          if (std::isnan(score)) score = 0;  // 0 * inf
          auto [it, inserted] = acc->try_emplace(Av(m), score);
          if (!inserted) AggregateInto(&it->second, score, agg);
        });
      });
      if (!ok) return false;
    }
    return true;
  }
  if (inputs.empty() || inputs[0].size == 0) return true;
  const Input& first = inputs[0];
  const bool ok = read(first, [&](const SourceView& v) {
    acc->reserve(v.size());
    v.ForEach([&](std::string_view m, double s) {
      double score = op == SetOp::kDiff ? s : first.weight * s;
      if (std::isnan(score)) score = 0;
      acc->emplace(Av(m), score);
    });
  });
  if (!ok) return false;
  for (size_t j = 1; j < inputs.size() && !acc->empty(); ++j) {
    const Input& in = inputs[j];
    if (op == SetOp::kDiff && in.size == 0) continue;
    const bool ok_j = read(in, [&](const SourceView& v) {
      for (auto it = acc->begin(); it != acc->end();) {
        double s;
        const bool found = v.Find(it->first, &s);
        if (op == SetOp::kDiff ? found : !found) {
          acc->erase(it++);
          continue;
        }
        if (op == SetOp::kInter) AggregateInto(&it->second, s * in.weight, agg);
        ++it;
      }
    });
    if (!ok_j) return false;
  }
  return true;
}

// Redis's zunionInterDiffGenericCommand. The storing forms (numkeys at argv[2]) write argv[1].
void SetOpGeneric(CommandContext& ctx, size_t numkeys_idx, SetOp op, bool cardinality_only) {
  const bool store = numkeys_idx == 2;
  int64_t numkeys;
  if (!String2ll(ctx.argv[numkeys_idx], &numkeys)) return ctx.reply.Error(errors::kNotInteger);
  if (numkeys < 1) {
    return ctx.reply.Error("ERR at least 1 input key is needed for '" + std::string(ctx.spec.name) +
                           "' command");
  }
  if (static_cast<uint64_t>(numkeys) > ctx.argc() - (numkeys_idx + 1)) {
    return ctx.reply.Error(errors::kSyntax);
  }
  std::vector<Input> inputs(static_cast<size_t>(numkeys));
  size_t j = numkeys_idx + 1;
  for (Input& in : inputs) {
    in.key = ctx.argv[j++];
    Status st = ReadSource(ctx, in.key, [&](const SourceView& v) { in.size = v.size(); });
    if (ReplyStoreFailure(ctx, st)) return;
  }

  Aggregate agg = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  while (j < ctx.argc()) {
    const std::string_view opt = ctx.argv[j];
    const size_t remaining = ctx.argc() - j;
    const bool combines = op != SetOp::kDiff && !cardinality_only;
    if (combines && remaining >= inputs.size() + 1 && EqualsIgnoreCase(opt, "weights")) {
      ++j;
      for (Input& in : inputs) {
        if (!String2d(ctx.argv[j++], &in.weight)) {
          return ctx.reply.Error("ERR weight value is not a float");
        }
      }
    } else if (combines && remaining >= 2 && EqualsIgnoreCase(opt, "aggregate")) {
      const std::string_view a = ctx.argv[j + 1];
      if (EqualsIgnoreCase(a, "sum")) {
        agg = Aggregate::kSum;
      } else if (EqualsIgnoreCase(a, "min")) {
        agg = Aggregate::kMin;
      } else if (EqualsIgnoreCase(a, "max")) {
        agg = Aggregate::kMax;
      } else {
        return ctx.reply.Error(errors::kSyntax);
      }
      j += 2;
    } else if (!store && !cardinality_only && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
      ++j;
    } else if (cardinality_only && remaining >= 2 && EqualsIgnoreCase(opt, "limit")) {
      if (!String2ll(ctx.argv[j + 1], &limit) || limit < 0) {
        return ctx.reply.Error("ERR LIMIT can't be negative");
      }
      j += 2;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  if (op != SetOp::kDiff) {
    // Smallest first, as Redis does: INTER then probes the others with the fewest members.
    std::stable_sort(inputs.begin(), inputs.end(),
                     [](const Input& a, const Input& b) { return a.size < b.size; });
  }

  Accumulator acc;
  if (!Compute(ctx, op, agg, inputs, &acc)) return;

  if (cardinality_only) {
    const auto n = static_cast<int64_t>(acc.size());
    return ctx.reply.Integer(limit > 0 && limit < n ? limit : n);
  }
  if (store) {
    const std::string_view dst = ctx.argv[1];
    if (acc.empty()) {
      Status del = ctx.store.Delete(ctx.client.db, dst);
      if (ReplyStoreFailure(ctx, del)) return;
      if (del.ok()) ctx.AddDirty();
      return ctx.reply.Integer(0);
    }
    const ZSetLimits limits = ZSetLimitsOf(ctx);
    auto result = std::make_unique<ZSetObject>();
    result->Reserve(acc.size());
    for (const auto& [member, score] : acc) {
      result->Add(member, score);
      NoteZSetGrowth(*result, member.size(), limits);
    }
    const auto n = static_cast<int64_t>(result->size());
    storage::RecordBuilder record;
    record.type = ValueType::kZSet;
    record.object = std::move(result);
    if (ReplyStoreFailure(ctx, ctx.store.Upsert(ctx.client.db, dst, record))) return;
    ctx.AddDirty();
    ctx.SignalKeyReady(dst);
    return ctx.reply.Integer(n);
  }
  std::vector<std::pair<double, std::string_view>> sorted;
  sorted.reserve(acc.size());
  for (const auto& [member, score] : acc) sorted.emplace_back(score, member);
  std::sort(sorted.begin(), sorted.end());
  ReplyScoredHeader(ctx.reply, sorted.size(), withscores);
  for (const auto& [score, member] : sorted) ReplyScored(ctx.reply, member, score, withscores);
}

}  // namespace

void ZUnion(CommandContext& ctx) { SetOpGeneric(ctx, 1, SetOp::kUnion, false); }
void ZInter(CommandContext& ctx) { SetOpGeneric(ctx, 1, SetOp::kInter, false); }
void ZDiff(CommandContext& ctx) { SetOpGeneric(ctx, 1, SetOp::kDiff, false); }
void ZInterCard(CommandContext& ctx) { SetOpGeneric(ctx, 1, SetOp::kInter, true); }
void ZUnionStore(CommandContext& ctx) { SetOpGeneric(ctx, 2, SetOp::kUnion, false); }
void ZInterStore(CommandContext& ctx) { SetOpGeneric(ctx, 2, SetOp::kInter, false); }
void ZDiffStore(CommandContext& ctx) { SetOpGeneric(ctx, 2, SetOp::kDiff, false); }

}  // namespace ferrite::commands::zset
