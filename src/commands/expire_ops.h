#pragma once
// Expiry: converting the time arguments of SET / SETEX / GETEX / EXPIRE* to absolute Unix
// milliseconds with Redis 7.0's overflow rules, the updaters that change a record's expiry, and
// the EXPIRE / TTL / PERSIST command handlers (bound by the key family's table).
//
// Absolute times come from ctx.server.NowMs(), the clock the store expires records by. A record
// whose expiry is at or before that clock reads as absent (lazy expiry, done by the store). An
// EXPIRE whose time is already past deletes the key and propagates DEL, as Redis does on a
// primary.
//
// Thread safety: updaters are per-call objects; the functions are re-entrant.

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "commands/string_ops.h"
#include "storage/store.h"

namespace ferrite::server {
class CommandContext;
}

namespace ferrite::commands {

enum class ExpireArgStatus : uint8_t {
  kOk,
  kNotInteger,  // "ERR value is not an integer or out of range"
  kInvalid,     // "ERR invalid expire time in '<command>' command"
};

// SET / SETEX / PSETEX / GETEX time argument (Redis's getExpireMillisecondsOrReply): must be a
// positive integer; `seconds` scales it by 1000 and `relative` adds `now_ms`, both checked for
// overflow. On kOk `*at_ms` is the absolute expiry.
ExpireArgStatus ParseSetExpireArg(std::string_view arg, bool seconds, bool relative, int64_t now_ms,
                                  int64_t* at_ms);
// Writes the error for a failed ParseSetExpireArg, naming ctx.spec.name.
void ReplyExpireArgError(server::CommandContext& ctx, ExpireArgStatus status);

// EXPIRE's NX / XX / GT / LT conditions.
enum ExpireCondition : uint8_t {
  kExpireNx = 1 << 0,
  kExpireXx = 1 << 1,
  kExpireGt = 1 << 2,
  kExpireLt = 1 << 3,
};

// Sets the expiry of an existing key to `at_ms` if `conditions` allow it, or deletes the key when
// `delete_now` (the time is already past). Outcome: kAbsent, kSkipped, kDone or kDeleted.
struct ExpireUpdater final : storage::RmwFunctions {
  ExpireUpdater(int64_t at_ms, uint8_t conditions, bool delete_now)
      : at_ms(at_ms), conditions(conditions), delete_now(delete_now) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  int64_t at_ms;
  uint8_t conditions;
  bool delete_now;
  RmwOutcome outcome = RmwOutcome::kAbsent;

 private:
  bool Allowed(int64_t current_expire_at) const;
};

// Removes the expiry of an existing key. Outcome: kAbsent, kUnchanged (no TTL) or kDone.
struct PersistUpdater final : storage::RmwFunctions {
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  RmwOutcome outcome = RmwOutcome::kAbsent;
};

// Handlers: EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST.
void ExpireCommand(server::CommandContext& ctx);
void PExpireCommand(server::CommandContext& ctx);
void ExpireAtCommand(server::CommandContext& ctx);
void PExpireAtCommand(server::CommandContext& ctx);
void TtlCommand(server::CommandContext& ctx);
void PTtlCommand(server::CommandContext& ctx);
void ExpireTimeCommand(server::CommandContext& ctx);
void PExpireTimeCommand(server::CommandContext& ctx);
void PersistCommand(server::CommandContext& ctx);

}  // namespace ferrite::commands
