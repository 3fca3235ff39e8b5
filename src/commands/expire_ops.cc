#include "commands/expire_ops.h"

#include <limits>
#include <string>
#include <vector>

#include "base/string_util.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/server_context.h"

namespace ferrite::commands {

using server::CommandContext;
using storage::kNoExpiry;
using storage::MutableRecord;
using storage::RecordBuilder;
using storage::RecordView;
namespace errors = resp::errors;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

ExpireArgStatus ParseSetExpireArg(std::string_view arg, bool seconds, bool relative, int64_t now_ms,
                                  int64_t* at_ms) {
  int64_t v;
  if (!String2ll(arg, &v)) return ExpireArgStatus::kNotInteger;
  if (v <= 0 || (seconds && v > kInt64Max / 1000)) return ExpireArgStatus::kInvalid;
  if (seconds) v *= 1000;
  if (relative) {
    // Redis lets the addition wrap and rejects a non-positive sum; checking first is the same.
    if (v > kInt64Max - now_ms) return ExpireArgStatus::kInvalid;
    v += now_ms;
  }
  if (v <= 0) return ExpireArgStatus::kInvalid;
  *at_ms = v;
  return ExpireArgStatus::kOk;
}

void ReplyExpireArgError(CommandContext& ctx, ExpireArgStatus status) {
  if (status == ExpireArgStatus::kNotInteger) return ctx.reply.Error(errors::kNotInteger);
  ctx.reply.Error(errors::InvalidExpireTime(ctx.spec.name));
}

// ---------------------------------------------------------------------------------------------
// Updaters

bool ExpireUpdater::Allowed(int64_t current) const {
  const bool has_ttl = current != kNoExpiry;
  if ((conditions & kExpireNx) && has_ttl) return false;
  if ((conditions & kExpireXx) && !has_ttl) return false;
  // No TTL counts as infinite: GT never beats it, LT always does.
  if ((conditions & kExpireGt) && (!has_ttl || at_ms <= current)) return false;
  if ((conditions & kExpireLt) && has_ttl && at_ms >= current) return false;
  return true;
}

Status ExpireUpdater::InitialUpdate(RecordBuilder&) {
  outcome = RmwOutcome::kAbsent;
  return Status::NotFound();
}

bool ExpireUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (!Allowed(*rec.expire_at_ms)) {
    outcome = RmwOutcome::kSkipped;
    return true;
  }
  if (delete_now) return false;  // deleting needs CopyUpdate
  *rec.expire_at_ms = at_ms;
  outcome = RmwOutcome::kDone;
  return true;
}

Status ExpireUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  if (!Allowed(old.expire_at_ms)) {
    outcome = RmwOutcome::kSkipped;
    return Status::Aborted();
  }
  if (delete_now) {
    outcome = RmwOutcome::kDeleted;
    return Status::NotFound();
  }
  out.expire_at_ms = at_ms;
  outcome = RmwOutcome::kDone;
  return Status::Ok();
}

Status PersistUpdater::InitialUpdate(RecordBuilder&) {
  outcome = RmwOutcome::kAbsent;
  return Status::NotFound();
}

bool PersistUpdater::InPlaceUpdate(MutableRecord& rec) {
  outcome = *rec.expire_at_ms == kNoExpiry ? RmwOutcome::kUnchanged : RmwOutcome::kDone;
  *rec.expire_at_ms = kNoExpiry;
  return true;
}

Status PersistUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  if (old.expire_at_ms == kNoExpiry) {
    outcome = RmwOutcome::kUnchanged;
    return Status::Aborted();
  }
  out.expire_at_ms = kNoExpiry;
  outcome = RmwOutcome::kDone;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// EXPIRE PEXPIRE EXPIREAT PEXPIREAT

namespace {

// Redis's parseExtendedExpireArgumentsOrReply.
bool ParseExpireConditions(CommandContext& ctx, uint8_t* conditions) {
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.argv[i];
    if (EqualsIgnoreCase(opt, "nx")) {
      *conditions |= kExpireNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      *conditions |= kExpireXx;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      *conditions |= kExpireGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      *conditions |= kExpireLt;
    } else {
      ctx.reply.Error("ERR Unsupported option " + std::string(opt));
      return false;
    }
  }
  const uint8_t c = *conditions;
  if ((c & kExpireNx) && (c & (kExpireXx | kExpireGt | kExpireLt))) {
    ctx.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((c & kExpireGt) && (c & kExpireLt)) {
    ctx.reply.Error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

// Redis's expireGenericCommand: `relative` adds the current time, `seconds` scales by 1000.
void ExpireGeneric(CommandContext& ctx, bool relative, bool seconds) {
  uint8_t conditions = 0;
  if (!ParseExpireConditions(ctx, &conditions)) return;
  int64_t when;
  if (!String2ll(ctx.argv[2], &when)) return ctx.reply.Error(errors::kNotInteger);
  // EXPIRE accepts negative times; only overflow of the conversion is an error.
  if (seconds) {
    if (when > kInt64Max / 1000 || when < kInt64Min / 1000) {
      return ctx.reply.Error(errors::InvalidExpireTime(ctx.spec.name));
    }
    when *= 1000;
  }
  const int64_t now = ctx.server.NowMs();
  const int64_t base = relative ? now : 0;
  if (when > kInt64Max - base) return ctx.reply.Error(errors::InvalidExpireTime(ctx.spec.name));
  when += base;

  ExpireUpdater updater(when, conditions, /*delete_now=*/when <= now);
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  switch (updater.outcome) {
    case RmwOutcome::kDeleted:
      ctx.AddDirty();
      ctx.Propagate({"DEL", std::string(ctx.argv[1])});
      return ctx.reply.Integer(1);
    case RmwOutcome::kDone: {
      ctx.AddDirty();
      if (relative || seconds) {  // PEXPIREAT propagates as sent
        std::vector<std::string> rewritten{"PEXPIREAT", std::string(ctx.argv[1]), Ll2String(when)};
        for (size_t i = 3; i < ctx.argc(); ++i) rewritten.emplace_back(ctx.argv[i]);
        ctx.Propagate(std::move(rewritten));
      }
      return ctx.reply.Integer(1);
    }
    default:
      return ctx.reply.Integer(0);
  }
}

// Redis's ttlGenericCommand: -2 when absent, -1 without expiry.
void TtlGeneric(CommandContext& ctx, bool milliseconds, bool absolute) {
  int64_t expire_at = kNoExpiry;
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[1],
                             [&](const RecordView& r) { expire_at = r.expire_at_ms; });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    return ctx.reply.Integer(-2);
  }
  if (ReplyStoreFailure(ctx, st)) return;
  CountKeyspaceHit(ctx);
  if (expire_at == kNoExpiry) return ctx.reply.Integer(-1);
  int64_t ttl = absolute ? expire_at : expire_at - ctx.server.NowMs();
  if (ttl < 0) ttl = 0;
  ctx.reply.Integer(milliseconds ? ttl : (ttl + 500) / 1000);
}

}  // namespace

void ExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void PExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void ExpireAtCommand(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }
void PExpireAtCommand(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }

void TtlCommand(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PTtlCommand(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void ExpireTimeCommand(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void PExpireTimeCommand(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void PersistCommand(CommandContext& ctx) {
  PersistUpdater updater;
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  if (updater.outcome != RmwOutcome::kDone) return ctx.reply.Integer(0);
  ctx.AddDirty();
  ctx.reply.Integer(1);
}

}  // namespace ferrite::commands
