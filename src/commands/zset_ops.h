#pragma once
// Sorted-set operations behind the zset family (zset_family.cc, zset_setops.cc, zset_pop.cc):
// Redis 7.0's range parsers (zslParseRange, zslParseLexRange), rank arithmetic over a
// ZSetObject's order-statistics tree, the listpack/skiplist encoding rule, the read-modify-write
// updaters of the write commands, and the reply shapes shared by the range commands.
//
// Updaters follow string_ops.h: the engine may call a callback more than once (a failed CAS
// retries), so each callback recomputes every result field from its inputs. InPlaceUpdate mutates
// the record's object only when it will return true; an update that must fail returns false
// there and lets CopyUpdate report it. An update that empties the set leaves the deletion to the
// engine (storage/store.h: an empty collection is never stored).
//
// Thread safety: updaters are per-call objects used by one thread; the free functions are pure.

#include <absl/container/inlined_vector.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "resp/reply_builder.h"
#include "storage/objects/zset_object.h"
#include "storage/store.h"

namespace ferrite::server {
class CommandContext;
}

namespace ferrite::commands {

// ---------------------------------------------------------------------------------------------
// Encoding (OBJECT ENCODING)

// zset-max-listpack-entries / -value, read from the runtime configuration (Redis's defaults when
// the server has none, as in unit tests).
struct ZSetLimits {
  int64_t max_entries = 128;
  int64_t max_value = 64;
};
ZSetLimits ZSetLimitsOf(server::CommandContext& ctx);

// Redis converts a listpack to a skiplist when an insert makes it longer than max_entries or
// brings a member longer than max_value, and never converts back (store destinations are built
// fresh, so the same rule applied to each insert gives zsetConvertToListpackIfNeeded's answer).
// Call after adding a new member of `member_len` bytes.
inline void NoteZSetGrowth(storage::ZSetObject& zset, size_t member_len, const ZSetLimits& l) {
  if (static_cast<int64_t>(zset.size()) > l.max_entries ||
      static_cast<int64_t>(member_len) > l.max_value) {
    zset.skiplist_encoding = true;
  }
}

// OBJECT ENCODING's answer for a sorted set: "skiplist" once converted (the sticky flag) or
// while it is beyond `limits` (a sorted set read back from disk has lost the flag, and Redis
// converts on load too); otherwise "listpack". Looks at no more than max_entries members.
std::string_view ZSetEncoding(const storage::ZSetObject& zset, const ZSetLimits& limits = {});

// ---------------------------------------------------------------------------------------------
// Ranges

// ZRANGEBYSCORE-style bounds: "1.5", "(1.5", "-inf", "+inf".
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
};
// Redis's zslParseRange: strtod over the C string, so leading spaces and an empty string (0) are
// accepted and bytes after a NUL are ignored; trailing bytes and NaN are not. False on error
// ("ERR min or max is not a float").
bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* range);

// ZRANGEBYLEX-style bounds: "[a", "(a", "-", "+".
struct LexBound {
  enum Kind : uint8_t { kMinString, kMaxString, kValue };
  Kind kind = kValue;
  bool exclusive = false;
  std::string_view value;  // a view into argv (without the '[' or '(')
};
struct LexRange {
  LexBound min, max;
};
// Redis's zslParseLexRange. False on error ("ERR min or max not valid string range item").
bool ParseLexRange(std::string_view min, std::string_view max, LexRange* range);

// Ascending ranks [first, last) of the members in a range; empty when first >= last.
struct RankSpan {
  size_t first = 0, last = 0;
  size_t size() const { return last > first ? last - first : 0; }
};
RankSpan ScoreRankSpan(const storage::ZSetObject& zset, const ScoreRange& range);
// Lex ranges assume equal scores, as Redis does: the members are then in byte order, and the
// span is found by binary search on the members alone.
RankSpan LexRankSpan(const storage::ZSetObject& zset, const LexRange& range);
// Z*RANGE / ZREMRANGEBYRANK index arithmetic: negative indexes count from the end, out-of-range
// ones are clamped; empty when start > end or start >= length.
RankSpan IndexRankSpan(int64_t start, int64_t end, size_t length);
// LIMIT offset count applied to `span` walked forward (or backward when `reverse`), with Redis's
// quirks: a negative offset yields nothing, a negative count means "all".
RankSpan ApplyLimit(RankSpan span, int64_t offset, int64_t count, bool reverse);

// ---------------------------------------------------------------------------------------------
// Replies

// A list of members with optional scores: RESP2 a flat array (member, score, ...), RESP3 an
// array of [member, score] pairs, as Redis 7.0's ZRANGE WITHSCORES / ZUNION / ZRANDMEMBER.
inline void ReplyScoredHeader(resp::ReplyBuilder& reply, size_t n, bool withscores) {
  reply.ArrayHeader(withscores && reply.protocol() < 3 ? 2 * n : n);
}
inline void ReplyScored(resp::ReplyBuilder& reply, std::string_view member, double score,
                        bool withscores) {
  if (withscores && reply.protocol() >= 3) reply.ArrayHeader(2);
  reply.Bulk(member);
  if (withscores) reply.Double(score);
}
// The members of ascending ranks `span` (descending when `reverse`).
void ReplyRankSpan(resp::ReplyBuilder& reply, const storage::ZSetObject& zset, RankSpan span,
                   bool reverse, bool withscores);

// ---------------------------------------------------------------------------------------------
// Updaters

enum class ZOutcome : uint8_t {
  kAbsent,     // no key; nothing written
  kDone,       // applied (possibly changing nothing)
  kWrongType,  // the key holds another type
  kNaN,        // ZADD INCR / ZINCRBY produced NaN; nothing written
};

// ZADD option bits (Redis's ZADD_IN_*).
enum ZAddFlag : uint32_t {
  kZAddNx = 1 << 0,
  kZAddXx = 1 << 1,
  kZAddGt = 1 << 2,
  kZAddLt = 1 << 3,
  kZAddIncr = 1 << 4,
};

// ZADD and ZINCRBY over the parsed (score, member) pairs, with Redis's zsetAdd rules.
struct ZAddUpdater final : storage::RmwFunctions {
  using Pair = std::pair<double, std::string_view>;
  ZAddUpdater(uint32_t flags, std::span<const Pair> pairs, ZSetLimits limits)
      : flags(flags), pairs(pairs), limits(limits) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  uint32_t flags;
  std::span<const Pair> pairs;
  ZSetLimits limits;
  ZOutcome outcome = ZOutcome::kAbsent;
  int64_t added = 0;
  int64_t updated = 0;
  int64_t processed = 0;  // pairs not skipped by NX / XX / GT / LT
  double score = 0;       // INCR: the member's new score

 private:
  // False (nothing changed) when INCR makes NaN.
  bool WouldBeNaN(const storage::ZSetObject& zset) const;
  void Apply(storage::ZSetObject& zset);
};

// ZREM.
struct ZRemUpdater final : storage::RmwFunctions {
  explicit ZRemUpdater(std::span<const std::string_view> members) : members(members) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  std::span<const std::string_view> members;
  ZOutcome outcome = ZOutcome::kAbsent;
  int64_t removed = 0;
};

// ZREMRANGEBYRANK / BYSCORE / BYLEX: the span is computed against the object being changed.
struct ZRemRangeUpdater final : storage::RmwFunctions {
  enum class Kind : uint8_t { kRank, kScore, kLex };
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  Kind kind = Kind::kRank;
  int64_t start = 0, end = 0;  // kRank
  ScoreRange score;            // kScore
  LexRange lex;                // kLex
  ZOutcome outcome = ZOutcome::kAbsent;
  int64_t removed = 0;

 private:
  RankSpan SpanOf(const storage::ZSetObject& zset) const;
};

// ZPOPMIN / ZPOPMAX / ZMPOP / BZ*: pops up to `count` members from the low (or high) end.
struct ZPopUpdater final : storage::RmwFunctions {
  ZPopUpdater(bool from_max, size_t count) : from_max(from_max), count(count) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  bool from_max;
  size_t count;
  ZOutcome outcome = ZOutcome::kAbsent;
  std::vector<storage::ZSetObject::Item> popped;  // in pop order

 private:
  void Pop(storage::ZSetObject& zset);
};

// ---------------------------------------------------------------------------------------------
// Handlers defined outside zset_family.cc, bound by its table.

namespace zset {
// zset_setops.cc
void ZUnion(server::CommandContext& ctx);
void ZInter(server::CommandContext& ctx);
void ZDiff(server::CommandContext& ctx);
void ZUnionStore(server::CommandContext& ctx);
void ZInterStore(server::CommandContext& ctx);
void ZDiffStore(server::CommandContext& ctx);
void ZInterCard(server::CommandContext& ctx);
// zset_pop.cc
void ZPopMin(server::CommandContext& ctx);
void ZPopMax(server::CommandContext& ctx);
void ZMPop(server::CommandContext& ctx);
void BZPopMin(server::CommandContext& ctx);
void BZPopMax(server::CommandContext& ctx);
void BZMPop(server::CommandContext& ctx);
void ZRandMember(server::CommandContext& ctx);
void ZScan(server::CommandContext& ctx);
}  // namespace zset

}  // namespace ferrite::commands
