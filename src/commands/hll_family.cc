// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, on string values in Redis's
// HLL format (commands/hll_ops.h), with Redis 7.0's replies and errors (hyperloglog.c).
//
// PFCOUNT on one key refreshes the cardinality cache stored in the value, as Redis does, so it
// writes (and counts as a change) when the cache was stale. PFMERGE keeps the destination's TTL:
// Redis edits the value in place.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_util.h"
#include "commands/families.h"
#include "commands/hll_ops.h"
#include "commands/string_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
using storage::MutableRecord;
using storage::RecordBuilder;
using storage::RecordView;
using storage::ValueType;
namespace errors = resp::errors;

constexpr std::string_view kNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kCorruptHll = "INVALIDOBJ Corrupted HLL object detected";

// What an HLL updater or reader found at the key, besides success.
enum class HllOutcome : uint8_t {
  kAbsent,
  kDone,       // written
  kUnchanged,  // nothing to write
  kWrongType,  // not a string
  kNotHll,     // a string without a valid HLL header
  kCorrupt,    // a sparse HLL that does not describe 16384 registers
};

// Replies the error for a failed outcome; false when there is none.
bool ReplyHllError(CommandContext& ctx, HllOutcome outcome) {
  switch (outcome) {
    case HllOutcome::kWrongType:
      ctx.reply.Error(errors::kWrongType);
      return true;
    case HllOutcome::kNotHll:
      ctx.reply.Error(kNotHll);
      return true;
    case HllOutcome::kCorrupt:
      ctx.reply.Error(kCorruptHll);
      return true;
    default:
      return false;
  }
}

HllOutcome Classify(ValueType type, std::string_view value) {
  if (type != ValueType::kString) return HllOutcome::kWrongType;
  return hll::IsHll(value) ? HllOutcome::kDone : HllOutcome::kNotHll;
}

// ---------------------------------------------------------------------------------------------
// PFADD key [element ...]

struct PfAddUpdater final : storage::RmwFunctions {
  explicit PfAddUpdater(std::span<const std::string_view> elements) : elements(elements) {}

  Status InitialUpdate(RecordBuilder& out) override {
    out.type = ValueType::kString;
    out.expire_at_ms = storage::kNoExpiry;
    out.value = hll::NewEmpty();
    if (!elements.empty()) (void)hll::Add(&out.value, elements);
    outcome = HllOutcome::kDone;  // creating the key is a change even without elements
    return Status::Ok();
  }
  bool InPlaceUpdate(MutableRecord& rec) override {
    const std::string_view v(rec.value, *rec.length);
    // Only dense values keep their size; sparse ones are re-encoded by CopyUpdate.
    if (Classify(rec.type, v) != HllOutcome::kDone) return false;
    if (hll::EncodingOf(v) != hll::kEncodingDense) return false;
    outcome = hll::AddDense(rec.value, elements) ? HllOutcome::kDone : HllOutcome::kUnchanged;
    return true;
  }
  Status CopyUpdate(const RecordView& old, RecordBuilder& out) override {
    outcome = Classify(old.type, old.value);
    if (outcome == HllOutcome::kWrongType) return Status::WrongType();
    if (outcome != HllOutcome::kDone) return Status::Aborted();
    const int added = hll::Add(&out.value, elements);
    outcome =
        added < 0 ? HllOutcome::kCorrupt : (added > 0 ? HllOutcome::kDone : HllOutcome::kUnchanged);
    return outcome == HllOutcome::kDone ? Status::Ok() : Status::Aborted();
  }

  std::span<const std::string_view> elements;
  HllOutcome outcome = HllOutcome::kAbsent;
};

void PfAdd(CommandContext& ctx) {
  PfAddUpdater updater(ctx.argv.subspan(2));
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st) || ReplyHllError(ctx, updater.outcome)) return;
  const bool changed = updater.outcome == HllOutcome::kDone;
  if (changed) ctx.AddDirty();
  ctx.reply.Integer(changed ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// PFCOUNT key [key ...]

// One key: answers from the cache, or computes the estimate and stores it in the cache.
struct PfCountUpdater final : storage::RmwFunctions {
  Status InitialUpdate(RecordBuilder&) override {
    outcome = HllOutcome::kAbsent;
    count = 0;
    return Status::NotFound();
  }
  bool InPlaceUpdate(MutableRecord& rec) override {
    const std::string_view v(rec.value, *rec.length);
    if (Classify(rec.type, v) != HllOutcome::kDone) return false;
    if (hll::CacheValid(v)) {
      count = hll::CachedCount(v);
      outcome = HllOutcome::kUnchanged;
      return true;
    }
    hll::Registers regs{};
    if (!hll::MergeInto(v, &regs)) return false;  // CopyUpdate reports the corruption
    count = hll::Count(regs);
    hll::StoreCount(rec.value, count);
    outcome = HllOutcome::kDone;
    return true;
  }
  Status CopyUpdate(const RecordView& old, RecordBuilder& out) override {
    outcome = Classify(old.type, old.value);
    if (outcome == HllOutcome::kWrongType) return Status::WrongType();
    if (outcome != HllOutcome::kDone) return Status::Aborted();
    if (hll::CacheValid(old.value)) {
      count = hll::CachedCount(old.value);
      outcome = HllOutcome::kUnchanged;
      return Status::Aborted();
    }
    hll::Registers regs{};
    if (!hll::MergeInto(old.value, &regs)) {
      outcome = HllOutcome::kCorrupt;
      return Status::Aborted();
    }
    count = hll::Count(regs);
    hll::StoreCount(out.value.data(), count);
    outcome = HllOutcome::kDone;
    return Status::Ok();
  }

  HllOutcome outcome = HllOutcome::kAbsent;
  uint64_t count = 0;
};

// Reads the HLL at `key` and merges its registers into `regs`. Replies (and returns false) on a
// store failure or an invalid value; `*found` says whether the key exists.
bool MergeKey(CommandContext& ctx, std::string_view key, hll::Registers* regs, bool* found,
              uint8_t* encoding) {
  HllOutcome outcome = HllOutcome::kAbsent;
  Status st = ctx.store.Read(ctx.client.db, key, [&](const RecordView& r) {
    outcome = Classify(r.type, r.value);
    if (outcome != HllOutcome::kDone) return;
    if (encoding) *encoding = hll::EncodingOf(r.value);
    if (!hll::MergeInto(r.value, regs)) outcome = HllOutcome::kCorrupt;
  });
  if (ReplyStoreFailure(ctx, st)) return false;
  *found = st.ok();
  st.ok() ? CountKeyspaceHit(ctx) : CountKeyspaceMiss(ctx);
  return !ReplyHllError(ctx, outcome);
}

void PfCount(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    PfCountUpdater updater;
    Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
    const bool computed = updater.outcome == HllOutcome::kDone;
    if (computed && (st.code() == StatusCode::kNoSpace || st.code() == StatusCode::kOutOfMemory)) {
      // The cache could not be written back: the estimate itself is still right.
      return ctx.reply.Integer(static_cast<int64_t>(updater.count));
    }
    if (ReplyRmwFailure(ctx, st) || ReplyHllError(ctx, updater.outcome)) return;
    updater.outcome == HllOutcome::kAbsent ? CountKeyspaceMiss(ctx) : CountKeyspaceHit(ctx);
    if (computed) ctx.AddDirty();
    return ctx.reply.Integer(static_cast<int64_t>(updater.count));
  }
  // Several keys: the estimate of their union, never cached.
  hll::Registers regs{};
  for (size_t i = 1; i < ctx.argc(); ++i) {
    bool found;
    if (!MergeKey(ctx, ctx.argv[i], &regs, &found, nullptr)) return;
  }
  ctx.reply.Integer(static_cast<int64_t>(hll::Count(regs)));
}

// ---------------------------------------------------------------------------------------------
// PFMERGE destkey [sourcekey ...]

// Replaces the value at the key, keeping its TTL (a new key gets none).
struct ReplaceValueUpdater final : storage::RmwFunctions {
  explicit ReplaceValueUpdater(std::string_view value) : value(value) {}
  Status InitialUpdate(RecordBuilder& out) override {
    out.type = ValueType::kString;
    out.expire_at_ms = storage::kNoExpiry;
    out.value.assign(value);
    return Status::Ok();
  }
  bool InPlaceUpdate(MutableRecord& rec) override {
    if (rec.type != ValueType::kString || value.size() > rec.capacity) return false;
    std::copy(value.begin(), value.end(), rec.value);
    *rec.length = static_cast<uint32_t>(value.size());
    return true;
  }
  Status CopyUpdate(const RecordView&, RecordBuilder& out) override {
    out.type = ValueType::kString;
    out.value.assign(value);
    return Status::Ok();
  }
  std::string_view value;
};

void PfMerge(CommandContext& ctx) {
  // Reads first (the destination is a source too), then one write.
  hll::Registers regs{};
  bool use_dense = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    bool found;
    uint8_t encoding = hll::kEncodingSparse;
    if (!MergeKey(ctx, ctx.argv[i], &regs, &found, &encoding)) return;
    if (found && encoding == hll::kEncodingDense) use_dense = true;
  }
  const std::string value = use_dense ? hll::EncodeDense(regs) : hll::EncodeCompact(regs);
  ReplaceValueUpdater updater(value);
  if (ReplyStoreFailure(ctx, ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater))) return;
  ctx.AddDirty();
  ctx.reply.Ok();
}

// ---------------------------------------------------------------------------------------------
// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key

void PfDebug(CommandContext& ctx) {
  const std::string_view sub = ctx.argv[1];
  const std::string_view key = ctx.argv[2];
  std::string value;
  HllOutcome outcome = HllOutcome::kAbsent;
  Status st = ctx.store.Read(ctx.client.db, key, [&](const RecordView& r) {
    outcome = Classify(r.type, r.value);
    if (outcome == HllOutcome::kDone) value.assign(r.value);
  });
  if (ReplyStoreFailure(ctx, st)) return;
  if (st.IsNotFound()) return ctx.reply.Error("ERR The specified key does not exist");
  if (ReplyHllError(ctx, outcome)) return;

  const bool sparse = hll::EncodingOf(value) == hll::kEncodingSparse;
  // GETREG and TODENSE turn a sparse value dense, keeping the cardinality cache as it was.
  auto make_dense = [&]() -> bool {
    hll::Registers regs{};
    if (!hll::MergeInto(value, &regs)) {
      ctx.reply.Error(kCorruptHll);
      return false;
    }
    std::string dense = hll::EncodeDense(regs);
    std::copy(value.begin() + 8, value.begin() + 16, dense.begin() + 8);
    ReplaceValueUpdater updater(dense);
    if (ReplyStoreFailure(ctx, ctx.store.Rmw(ctx.client.db, key, updater))) return false;
    ctx.AddDirty();  // an encoding change is propagated, as in Redis
    value = std::move(dense);
    return true;
  };
  if (EqualsIgnoreCase(sub, "getreg")) {
    if (sparse && !make_dense()) return;
    hll::Registers regs{};
    (void)hll::MergeInto(value, &regs);
    ctx.reply.ArrayHeader(regs.size());
    for (uint8_t r : regs) ctx.reply.Integer(r);
  } else if (EqualsIgnoreCase(sub, "decode")) {
    if (!sparse) return ctx.reply.Error("ERR HLL encoding is not sparse");
    std::optional<std::string> text = hll::DecodeSparseText(value);
    if (!text) return ctx.reply.Error(kCorruptHll);
    ctx.reply.Bulk(*text);
  } else if (EqualsIgnoreCase(sub, "encoding")) {
    ctx.reply.SimpleString(sparse ? "sparse" : "dense");
  } else if (EqualsIgnoreCase(sub, "todense")) {
    if (sparse && !make_dense()) return;
    ctx.reply.Integer(sparse ? 1 : 0);
  } else {
    ctx.reply.Error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  }
}

// ---------------------------------------------------------------------------------------------
// PFSELFTEST

void PfSelfTest(CommandContext& ctx) {
  const std::string failure = hll::SelfTest();
  failure.empty() ? ctx.reply.Ok() : ctx.reply.Error(failure);
}

constexpr CommandBinding kBindings[] = {
    {"pfadd", PfAdd},     {"pfcount", PfCount},       {"pfdebug", PfDebug},
    {"pfmerge", PfMerge}, {"pfselftest", PfSelfTest},
};

}  // namespace

std::span<const CommandBinding> HllFamily() { return kBindings; }

}  // namespace ferrite::commands
