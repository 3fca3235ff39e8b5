#include "commands/zset_ops.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>

#include "server/command_context.h"
#include "server/config/runtime_config.h"
#include "server/server_context.h"

namespace ferrite::commands {

using storage::MutableRecord;
using storage::RecordBuilder;
using storage::RecordView;
using storage::ValueType;
using storage::ZSetObject;

ZSetLimits ZSetLimitsOf(server::CommandContext& ctx) {
  ZSetLimits limits;
  if (auto* rc = ctx.server.runtime_config_if_set()) {
    const server::config::EncodingLimits l = rc->encoding_limits();
    limits.max_entries = l.zset_max_listpack_entries;
    limits.max_value = l.zset_max_listpack_value;
  }
  return limits;
}

std::string_view ZSetEncoding(const ZSetObject& zset, const ZSetLimits& limits) {
  if (zset.skiplist_encoding || zset.size() > static_cast<size_t>(limits.max_entries)) {
    return "skiplist";
  }
  for (const auto& e : zset.scores().entries()) {
    if (e.key.size() > static_cast<size_t>(limits.max_value)) return "skiplist";
  }
  return "listpack";
}

// ---------------------------------------------------------------------------------------------
// Ranges

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// strtod over the argument as a C string (Redis passes sds pointers to strtod).
bool ParseBound(std::string_view arg, double* value, bool* exclusive) {
  char buf[128];
  std::string heap;
  const char* text;
  // Redis reads up to the first NUL: keep that, and only copy what strtod may look at.
  arg = arg.substr(0, arg.find('\0'));
  if (arg.size() < sizeof(buf)) {
    arg.copy(buf, arg.size());
    buf[arg.size()] = '\0';
    text = buf;
  } else {
    heap.assign(arg);
    text = heap.c_str();
  }
  *exclusive = text[0] == '(';
  if (*exclusive) ++text;
  char* end;
  *value = std::strtod(text, &end);
  return *end == '\0' && !std::isnan(*value);
}

bool ParseLexBound(std::string_view arg, LexBound* bound) {
  if (arg.empty()) return false;
  switch (arg[0]) {
    case '+':
    case '-':
      if (arg.size() != 1) return false;
      bound->kind = arg[0] == '+' ? LexBound::kMaxString : LexBound::kMinString;
      bound->exclusive = true;
      return true;
    case '(':
    case '[':
      bound->kind = LexBound::kValue;
      bound->exclusive = arg[0] == '(';
      bound->value = arg.substr(1);
      return true;
    default:
      return false;
  }
}

// Redis's sdscmplex: "-" sorts below every string and "+" above.
int CompareLex(const LexBound& a, const LexBound& b) {
  if (a.kind == b.kind && a.kind != LexBound::kValue) return 0;
  if (a.kind == LexBound::kMinString || b.kind == LexBound::kMaxString) return -1;
  if (a.kind == LexBound::kMaxString || b.kind == LexBound::kMinString) return 1;
  return a.value.compare(b.value);
}

bool LexGteMin(std::string_view member, const LexBound& min) {
  if (min.kind != LexBound::kValue) return min.kind == LexBound::kMinString;
  const int c = member.compare(min.value);
  return min.exclusive ? c > 0 : c >= 0;
}

bool LexLteMax(std::string_view member, const LexBound& max) {
  if (max.kind != LexBound::kValue) return max.kind == LexBound::kMaxString;
  const int c = member.compare(max.value);
  return max.exclusive ? c < 0 : c <= 0;
}

// The first rank in [0, n) whose member fails `below` (members assumed in byte order).
template <typename Pred>
size_t PartitionRank(const ZSetObject& zset, Pred below) {
  size_t lo = 0, hi = zset.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (below(zset.ByRank(mid).second)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

}  // namespace

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* range) {
  return ParseBound(min, &range->min, &range->minex) && ParseBound(max, &range->max, &range->maxex);
}

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* range) {
  return ParseLexBound(min, &range->min) && ParseLexBound(max, &range->max);
}

RankSpan ScoreRankSpan(const ZSetObject& zset, const ScoreRange& r) {
  // Redis's zslIsInRange: an inverted or empty interval matches nothing.
  if (r.min > r.max || (r.min == r.max && (r.minex || r.maxex))) return {};
  const ZSetObject::Ordered& t = zset.ordered();
  // An item (s, "") sorts before every member of score s, so order_of_key of it counts the
  // members scored below s; nextafter turns "<= s" into "< next(s)".
  auto below = [&](double s) { return t.order_of_key(ZSetObject::Item{s, std::string()}); };
  RankSpan span;
  if (!r.minex) {
    span.first = below(r.min);
  } else {
    span.first = r.min == kInf ? t.size() : below(std::nextafter(r.min, kInf));
  }
  if (r.maxex) {
    span.last = below(r.max);
  } else {
    span.last = r.max == kInf ? t.size() : below(std::nextafter(r.max, kInf));
  }
  return span;
}

RankSpan LexRankSpan(const ZSetObject& zset, const LexRange& r) {
  const int c = CompareLex(r.min, r.max);
  if (c > 0 || (c == 0 && (r.min.exclusive || r.max.exclusive))) return {};
  RankSpan span;
  span.first = PartitionRank(zset, [&](std::string_view m) { return !LexGteMin(m, r.min); });
  span.last = PartitionRank(zset, [&](std::string_view m) { return LexLteMax(m, r.max); });
  return span;
}

RankSpan IndexRankSpan(int64_t start, int64_t end, size_t length) {
  const int64_t n = static_cast<int64_t>(length);
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) return {};
  if (end >= n) end = n - 1;
  return {static_cast<size_t>(start), static_cast<size_t>(end) + 1};
}

RankSpan ApplyLimit(RankSpan span, int64_t offset, int64_t count, bool reverse) {
  if (offset < 0 || count == 0 || span.size() == 0) return {};
  if (static_cast<uint64_t>(offset) >= span.size()) return {};
  size_t n = span.size() - static_cast<size_t>(offset);
  if (count > 0 && static_cast<uint64_t>(count) < n) n = static_cast<size_t>(count);
  if (reverse)
    return {span.last - static_cast<size_t>(offset) - n, span.last - static_cast<size_t>(offset)};
  return {span.first + static_cast<size_t>(offset), span.first + static_cast<size_t>(offset) + n};
}

void ReplyRankSpan(resp::ReplyBuilder& reply, const ZSetObject& zset, RankSpan span, bool reverse,
                   bool withscores) {
  const size_t n = span.size();
  ReplyScoredHeader(reply, n, withscores);
  if (n == 0) return;
  const ZSetObject::Ordered& t = zset.ordered();
  if (!reverse) {
    auto it = t.find_by_order(span.first);
    for (size_t i = 0; i < n; ++i, ++it) ReplyScored(reply, it->second, it->first, withscores);
  } else {
    auto it = t.find_by_order(span.last - 1);
    for (size_t i = 0; i < n; ++i, --it) ReplyScored(reply, it->second, it->first, withscores);
  }
}

// ---------------------------------------------------------------------------------------------
// ZADD

bool ZAddUpdater::WouldBeNaN(const ZSetObject& zset) const {
  if (!(flags & kZAddIncr) || (flags & kZAddNx)) return false;
  const double* cur = zset.Score(pairs[0].second);
  return cur != nullptr && std::isnan(*cur + pairs[0].first);
}

void ZAddUpdater::Apply(ZSetObject& zset) {
  added = updated = processed = 0;
  const bool incr = flags & kZAddIncr, nx = flags & kZAddNx, xx = flags & kZAddXx;
  const bool gt = flags & kZAddGt, lt = flags & kZAddLt;
  const bool plain = !(incr || nx || xx || gt || lt);
  for (const auto& [in_score, member] : pairs) {
    double s = in_score;
    if (plain) {
      // No condition on the old score: add or move in one probe of the member table.
      double old;
      if (zset.Add(member, s, &old)) {
        NoteZSetGrowth(zset, member.size(), limits);
        ++added;
      } else if (old != s) {
        ++updated;
      }
      ++processed;
      score = s;
      continue;
    }
    if (const double* cur = zset.Score(member)) {
      if (nx) continue;
      const double old = *cur;
      if (incr) s += old;
      if ((lt && s >= old) || (gt && s <= old)) continue;
      ++processed;
      score = s;
      if (s != old) {
        zset.Add(member, s);
        ++updated;
      }
    } else if (!xx) {
      zset.Add(member, s);
      NoteZSetGrowth(zset, member.size(), limits);
      ++added;
      ++processed;
      score = s;
    }
  }
  outcome = ZOutcome::kDone;
}

Status ZAddUpdater::InitialUpdate(RecordBuilder& out) {
  added = updated = processed = 0;
  if (flags & kZAddXx) {
    outcome = ZOutcome::kAbsent;
    return Status::NotFound();
  }
  auto zset = std::make_unique<ZSetObject>();
  Apply(*zset);
  out.type = ValueType::kZSet;
  out.object = std::move(zset);
  return Status::Ok();
}

bool ZAddUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (rec.type != ValueType::kZSet) return false;
  auto& zset = static_cast<ZSetObject&>(*rec.object);
  if (WouldBeNaN(zset)) return false;
  Apply(zset);
  return true;
}

Status ZAddUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  added = updated = processed = 0;
  if (old.type != ValueType::kZSet) {
    outcome = ZOutcome::kWrongType;
    return Status::WrongType();
  }
  auto& zset = static_cast<ZSetObject&>(*out.object);
  if (WouldBeNaN(zset)) {
    outcome = ZOutcome::kNaN;
    return Status::Aborted();
  }
  Apply(zset);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// ZREM

Status ZRemUpdater::InitialUpdate(RecordBuilder&) {
  outcome = ZOutcome::kAbsent;
  removed = 0;
  return Status::NotFound();
}

bool ZRemUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (rec.type != ValueType::kZSet) return false;
  auto& zset = static_cast<ZSetObject&>(*rec.object);
  removed = 0;
  for (std::string_view m : members) {
    removed += zset.Erase(m) ? 1 : 0;
    if (zset.size() == 0) break;
  }
  outcome = ZOutcome::kDone;
  return true;
}

Status ZRemUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  removed = 0;
  if (old.type != ValueType::kZSet) {
    outcome = ZOutcome::kWrongType;
    return Status::WrongType();
  }
  MutableRecord rec{old.type, nullptr, nullptr, nullptr, 0, out.object.get()};
  InPlaceUpdate(rec);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBY*

RankSpan ZRemRangeUpdater::SpanOf(const ZSetObject& zset) const {
  switch (kind) {
    case Kind::kRank:
      return IndexRankSpan(start, end, zset.size());
    case Kind::kScore:
      return ScoreRankSpan(zset, score);
    case Kind::kLex:
      return LexRankSpan(zset, lex);
  }
  return {};
}

Status ZRemRangeUpdater::InitialUpdate(RecordBuilder&) {
  outcome = ZOutcome::kAbsent;
  removed = 0;
  return Status::NotFound();
}

bool ZRemRangeUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (rec.type != ValueType::kZSet) return false;
  auto& zset = static_cast<ZSetObject&>(*rec.object);
  const RankSpan span = SpanOf(zset);
  removed = static_cast<int64_t>(zset.EraseRanks(span.first, span.first + span.size()));
  outcome = ZOutcome::kDone;
  return true;
}

Status ZRemRangeUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  removed = 0;
  if (old.type != ValueType::kZSet) {
    outcome = ZOutcome::kWrongType;
    return Status::WrongType();
  }
  MutableRecord rec{old.type, nullptr, nullptr, nullptr, 0, out.object.get()};
  InPlaceUpdate(rec);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// ZPOP

void ZPopUpdater::Pop(ZSetObject& zset) {
  const size_t n = std::min(count, zset.size());
  popped.clear();
  popped.reserve(n);
  const ZSetObject::Ordered& t = zset.ordered();
  if (n == 0) return;
  if (!from_max) {
    auto it = t.begin();
    for (size_t i = 0; i < n; ++i, ++it) popped.push_back(*it);
    zset.EraseRanks(0, n);
  } else {
    auto it = t.find_by_order(zset.size() - 1);
    for (size_t i = 0; i < n; ++i, --it) popped.push_back(*it);
    zset.EraseRanks(zset.size() - n, zset.size());
  }
}

Status ZPopUpdater::InitialUpdate(RecordBuilder&) {
  outcome = ZOutcome::kAbsent;
  popped.clear();
  return Status::NotFound();
}

bool ZPopUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (rec.type != ValueType::kZSet) return false;
  Pop(static_cast<ZSetObject&>(*rec.object));
  outcome = ZOutcome::kDone;
  return true;
}

Status ZPopUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  popped.clear();
  if (old.type != ValueType::kZSet) {
    outcome = ZOutcome::kWrongType;
    return Status::WrongType();
  }
  Pop(static_cast<ZSetObject&>(*out.object));
  outcome = ZOutcome::kDone;
  return Status::Ok();
}

}  // namespace ferrite::commands
