#pragma once
// String operations behind the string family (and helpers the key family shares).
//
// The read-modify-write commands are updater structs with Garnet's three callbacks: the engine
// calls InitialUpdate when the key is absent, InPlaceUpdate when its newest record is in the
// mutable region (an optimisation taken only when the new value fits the record's capacity), and
// CopyUpdate otherwise. The engine may call a callback more than once (a failed CAS retries), so
// each callback recomputes every result field from its inputs and has no other side effect.
// Handlers read the result fields after Rmw() returns; the updaters know nothing about RESP.
//
// Thread safety: an updater is a per-call object used by one thread. The free functions are pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/store.h"

namespace ferrite::server {
class CommandContext;
}

namespace ferrite::commands {

// Redis's proto-max-bulk-len default: the largest string APPEND / SETRANGE may build.
inline constexpr uint64_t kProtoMaxBulkLen = 512ull * 1024 * 1024;

// Replies for a store status that is neither OK nor NotFound: Pending marks the command pending
// (no reply), WrongType / OutOfMemory / NoSpace / IoError / Corruption map to the shared error
// table. Returns false (and does nothing) for OK and NotFound.
bool ReplyStoreFailure(server::CommandContext& ctx, const Status& status);
// The same after Rmw() with one of the updaters below, whose own choices (OK, NotFound, Aborted)
// leave the reply to the updater's outcome: returns true when it replied or went pending.
bool ReplyRmwFailure(server::CommandContext& ctx, const Status& status);

// Redis's keyspace_hits / keyspace_misses (lookupKeyRead and friends).
void CountKeyspaceHit(server::CommandContext& ctx);
void CountKeyspaceMiss(server::CommandContext& ctx);
void CountKeyspace(server::CommandContext& ctx, uint64_t hits, uint64_t misses);

// A SCAN / HSCAN / SSCAN / ZSCAN cursor, parsed as Redis's parseScanCursorOrReply does (strtoul:
// a sign and leading zeros pass, "-1" wraps; leading whitespace, trailing bytes and overflow do
// not). Returns false for "ERR invalid cursor".
bool ParseScanCursor(std::string_view arg, uint64_t* cursor);

// "string", "list", ... as TYPE prints them.
std::string_view TypeName(storage::ValueType type);
// OBJECT ENCODING of a value, as Redis's tryObjectEncoding decides for a value SET stores:
// "int" (a canonical int64 of at most 20 bytes), "embstr" (at most 44 bytes) or "raw".
std::string_view StringEncoding(std::string_view value);

// Which step of an updater decided the outcome. Handlers turn it into the reply.
enum class RmwOutcome : uint8_t {
  kAbsent,         // no live record; nothing written
  kDone,           // the update was applied
  kUnchanged,      // nothing to change (e.g. SETRANGE with an empty value)
  kSkipped,        // a condition failed (NX / XX); nothing written
  kWrongType,      // the record is not a string
  kNotInteger,     // the stored value is not an integer
  kNotFloat,       // the stored value or the increment is not a float
  kOverflow,       // the integer result overflows int64
  kNanOrInfinity,  // INCRBYFLOAT result is NaN or infinite
  kTooLong,        // the result would exceed kProtoMaxBulkLen
  kDeleted,        // the record was removed
};

// INCR / DECR / INCRBY / DECRBY: adds `delta` to the int64 stored at the key (0 if absent). The
// TTL is kept. Result in `value` when outcome is kDone.
struct IncrByUpdater final : storage::RmwFunctions {
  explicit IncrByUpdater(int64_t delta) : delta(delta) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  int64_t delta;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  int64_t value = 0;

 private:
  // Computes `value` from the old text; false (and outcome set) when that fails.
  bool Compute(std::string_view old_text);
};

// INCRBYFLOAT: long double arithmetic, stored in Redis's human format. `increment_valid` is false
// when the argument did not parse, which is reported after the type check (Redis's order).
struct IncrByFloatUpdater final : storage::RmwFunctions {
  IncrByFloatUpdater(long double increment, bool increment_valid)
      : increment(increment), increment_valid(increment_valid) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  long double increment;
  bool increment_valid;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  std::string text;  // the new value, when kDone

 private:
  bool Compute(std::string_view old_text);
};

// APPEND. `length` is the new length when kDone.
struct AppendUpdater final : storage::RmwFunctions {
  explicit AppendUpdater(std::string_view suffix) : suffix(suffix) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  std::string_view suffix;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  uint64_t length = 0;
};

// SETRANGE (offset already checked non-negative). An empty `patch` changes nothing: outcome is
// kAbsent (reply 0) or kUnchanged with the current `length`.
struct SetRangeUpdater final : storage::RmwFunctions {
  SetRangeUpdater(uint64_t offset, std::string_view patch) : offset(offset), patch(patch) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  uint64_t offset;
  std::string_view patch;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  uint64_t length = 0;

 private:
  bool TooLong() const;
};

// SET and GETEX options (Redis's OBJ_SET_* / OBJ_EX ... flags).
enum SetFlag : uint32_t {
  kSetNx = 1 << 0,
  kSetXx = 1 << 1,
  kSetEx = 1 << 2,
  kSetPx = 1 << 3,
  kSetKeepTtl = 1 << 4,
  kSetGet = 1 << 5,
  kSetExat = 1 << 6,
  kSetPxat = 1 << 7,
  kSetPersist = 1 << 8,
};
inline constexpr uint32_t kSetAnyExpire = kSetEx | kSetPx | kSetExat | kSetPxat;

// SET with NX / XX / GET / KEEPTTL (plain SET and SETEX are blind upserts). `expire_at` replaces
// the TTL; otherwise KEEPTTL keeps it and anything else clears it. Outcome: kDone, kSkipped (NX
// found a key, XX found none) or kWrongType (GET on a non-string); `found` and `old_value`
// serve GET.
struct SetUpdater final : storage::RmwFunctions {
  SetUpdater(uint32_t flags, std::string_view value, std::optional<int64_t> expire_at)
      : flags(flags), value(value), expire_at(expire_at) {}

  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;
  int64_t NewExpiry(int64_t old) const;

  uint32_t flags;
  std::string_view value;
  std::optional<int64_t> expire_at;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  bool found = false;
  std::string old_value;  // with kSetGet
};

// GETEX with an option: EX/PX/EXAT/PXAT set `at_ms` (or delete when `delete_now`), PERSIST clears
// the TTL. `expire_error` (an invalid time) is reported only for a string key, as Redis does:
// outcome kSkipped. `value` is the string read. Outcome also kAbsent, kWrongType, kDone,
// kUnchanged (PERSIST without TTL) or kDeleted.
struct GetExUpdater final : storage::RmwFunctions {
  GetExUpdater(uint32_t flags, bool expire_error, int64_t at_ms, bool delete_now)
      : flags(flags), expire_error(expire_error), at_ms(at_ms), delete_now(delete_now) {}

  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  uint32_t flags;
  bool expire_error;
  int64_t at_ms;
  bool delete_now;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  std::string value;
};

// GETDEL: captures the string and deletes the key. Outcome: kAbsent, kWrongType or kDeleted.
struct GetDelUpdater final : storage::RmwFunctions {
  Status InitialUpdate(storage::RecordBuilder& out) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  RmwOutcome outcome = RmwOutcome::kAbsent;
  std::string value;
};

// Redis's checkStringLength: would `size + append` bytes exceed proto-max-bulk-len (or overflow)?
bool ExceedsMaxBulkLen(uint64_t size, uint64_t append);

// GETRANGE's index arithmetic: the [start, end] slice of a string of `length` bytes, as Redis
// computes it. Returns false for an empty result.
bool GetRangeBounds(int64_t start, int64_t end, uint64_t length, uint64_t* from, uint64_t* count);

// LCS of two strings by dynamic programming, as Redis's LCS command computes it.
struct LcsMatch {
  uint32_t a_start, a_end, b_start, b_end, length;
};
struct LcsResult {
  uint32_t length = 0;
  std::string sequence;           // when asked for
  std::vector<LcsMatch> matches;  // when asked for: from the end of the strings backwards
};
enum class LcsError : uint8_t { kNone, kStringTooLong, kTableTooLarge, kAllocFailed };
LcsError ComputeLcs(std::string_view a, std::string_view b, bool want_sequence, bool want_matches,
                    int64_t min_match_len, LcsResult* result);

}  // namespace ferrite::commands
