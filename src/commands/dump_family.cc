// DUMP and RESTORE (payload format: commands/dump_format.h).

#include <string>
#include <string_view>
#include <vector>

#include "base/string_util.h"
#include "commands/dump_format.h"
#include "commands/families.h"
#include "commands/string_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/server_context.h"

namespace ferrite::commands {
namespace {

namespace errors = resp::errors;
using server::CommandContext;
using storage::RecordBuilder;
using storage::RecordView;

void Dump(CommandContext& ctx) {
  std::string payload;
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[1],
                             [&](const RecordView& r) { payload = EncodeDumpPayload(r); });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    return ctx.reply.Null();
  }
  if (ReplyStoreFailure(ctx, st)) return;
  CountKeyspaceHit(ctx);
  ctx.reply.Bulk(payload);
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
void Restore(CommandContext& ctx) {
  bool replace = false, absttl = false;
  int64_t idle = -1, freq = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    const bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(ctx.argv[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.argv[j], "absttl")) {
      absttl = true;
    } else if (EqualsIgnoreCase(ctx.argv[j], "idletime") && more && freq == -1) {
      if (!String2ll(ctx.argv[++j], &idle)) return ctx.reply.Error(errors::kNotInteger);
      if (idle < 0) return ctx.reply.Error("ERR Invalid IDLETIME value, must be >= 0");
    } else if (EqualsIgnoreCase(ctx.argv[j], "freq") && more && idle == -1) {
      if (!String2ll(ctx.argv[++j], &freq)) return ctx.reply.Error(errors::kNotInteger);
      if (freq < 0 || freq > 255) {
        return ctx.reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
      }
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  int64_t ttl;
  if (!String2ll(ctx.argv[2], &ttl)) return ctx.reply.Error(errors::kNotInteger);
  if (ttl < 0) return ctx.reply.Error("ERR Invalid TTL value, must be >= 0");

  const storage::DbIndex db = ctx.client.db;
  const std::string_view key = ctx.argv[1];
  bool exists = false;
  Status st = ctx.store.Read(db, key, [&](const RecordView&) { exists = true; });
  if (!st.ok() && !st.IsNotFound() && ReplyStoreFailure(ctx, st)) return;
  if (exists && !replace) return ctx.reply.Error("BUSYKEY Target key name already exists.");

  DecodeResult decoded = DecodeDumpPayload(ctx.argv[3]);
  if (!decoded.ok) {
    return ctx.reply.Error(decoded.error == DumpError::kVersionOrChecksum
                               ? "ERR DUMP payload version or checksum are wrong"
                               : "ERR Bad data format");
  }
  int64_t expire_at = storage::kNoExpiry;
  if (ttl > 0) expire_at = absttl ? ttl : ctx.server.NowMs() + ttl;

  // An absolute TTL already in the past: Redis creates nothing (and deletes the old key when
  // REPLACE allowed overwriting it).
  if (expire_at != storage::kNoExpiry && expire_at <= ctx.server.NowMs()) {
    if (exists) {
      st = ctx.store.Delete(db, key);
      if (!st.IsNotFound() && ReplyStoreFailure(ctx, st)) return;
      ctx.AddDirty();
      ctx.Propagate({"DEL", std::string(key)});
    }
    return ctx.reply.Ok();
  }

  RecordBuilder record;
  record.type = decoded.value.type;
  record.expire_at_ms = expire_at;
  record.value = std::move(decoded.value.value);
  record.object = std::move(decoded.value.object);
  const bool wakes =
      record.type == storage::ValueType::kList || record.type == storage::ValueType::kZSet;
  if (ReplyStoreFailure(ctx, ctx.store.Upsert(db, key, record))) return;
  if (wakes) ctx.SignalKeyReady(key);  // BLPOP / BZPOPMIN clients waiting on this key
  ctx.AddDirty();
  // Replicas and the AOF get the absolute expiry, so a replay restores the same deadline.
  std::vector<std::string> propagated = {
      "RESTORE", std::string(key), std::to_string(expire_at == storage::kNoExpiry ? 0 : expire_at),
      std::string(ctx.argv[3]), "REPLACE"};
  if (expire_at != storage::kNoExpiry) propagated.emplace_back("ABSTTL");
  ctx.Propagate(std::move(propagated));
  ctx.reply.Ok();
}

constexpr CommandBinding kBindings[] = {
    {"dump", Dump},
    {"restore", Restore},
};

}  // namespace

std::span<const CommandBinding> DumpFamily() { return kBindings; }

}  // namespace ferrite::commands
