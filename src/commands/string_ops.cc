#include "commands/string_ops.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>

#include "base/string_util.h"
#include "resp/errors.h"
#include "server/command_context.h"
#include "server/server_context.h"

namespace ferrite::commands {

using storage::kNoExpiry;
using storage::MutableRecord;
using storage::RecordBuilder;
using storage::RecordView;
using storage::ValueType;
namespace errors = resp::errors;

bool ReplyStoreFailure(server::CommandContext& ctx, const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
    case StatusCode::kNotFound:
      return false;
    case StatusCode::kPending:
      ctx.SetPending();
      return true;
    case StatusCode::kWrongType:
      ctx.reply.Error(errors::kWrongType);
      return true;
    case StatusCode::kOutOfMemory:
      ctx.reply.Error(errors::kOom);
      return true;
    case StatusCode::kNoSpace:
      ctx.reply.Error(errors::kNoSpace);
      return true;
    case StatusCode::kIoError:
      ctx.reply.Error(errors::kIoError);
      return true;
    case StatusCode::kCorruption:
      ctx.reply.Error(errors::kCorruption);
      return true;
    default:
      ctx.reply.Error("ERR " + status.ToString());
      return true;
  }
}

bool ReplyRmwFailure(server::CommandContext& ctx, const Status& status) {
  if (status.code() == StatusCode::kAborted) return false;
  return ReplyStoreFailure(ctx, status);
}

void CountKeyspaceHit(server::CommandContext& ctx) {
  ctx.server.stats().Local().keyspace_hits.Add();
}

void CountKeyspaceMiss(server::CommandContext& ctx) {
  ctx.server.stats().Local().keyspace_misses.Add();
}

void CountKeyspace(server::CommandContext& ctx, uint64_t hits, uint64_t misses) {
  server::ThreadStats& stats = ctx.server.stats().Local();
  if (hits) stats.keyspace_hits.Add(hits);
  if (misses) stats.keyspace_misses.Add(misses);
}

bool ParseScanCursor(std::string_view arg, uint64_t* cursor) {
  std::string text(arg);
  if (!text.empty() && std::isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  *cursor = v;
  return true;
}

std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kSet:
      return "set";
    case ValueType::kZSet:
      return "zset";
    case ValueType::kHash:
      return "hash";
    case ValueType::kStream:
      return "stream";
  }
  return "unknown";
}

std::string_view StringEncoding(std::string_view value) {
  // Redis's tryObjectEncoding: OBJ_ENCODING_EMBSTR_SIZE_LIMIT is 44.
  int64_t ignored;
  if (value.size() <= 20 && String2ll(value, &ignored)) return "int";
  return value.size() <= 44 ? "embstr" : "raw";
}

// ---------------------------------------------------------------------------------------------
// INCRBY

bool IncrByUpdater::Compute(std::string_view old_text) {
  int64_t old;
  if (!String2ll(old_text, &old)) {
    outcome = RmwOutcome::kNotInteger;
    return false;
  }
  if (__builtin_add_overflow(old, delta, &value)) {
    outcome = RmwOutcome::kOverflow;
    return false;
  }
  outcome = RmwOutcome::kDone;
  return true;
}

Status IncrByUpdater::InitialUpdate(RecordBuilder& out) {
  value = delta;
  outcome = RmwOutcome::kDone;
  out.type = ValueType::kString;
  out.expire_at_ms = storage::kNoExpiry;
  out.value = Ll2String(value);
  return Status::Ok();
}

bool IncrByUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (rec.type != ValueType::kString) return false;
  if (!Compute(std::string_view(rec.value, *rec.length))) return false;
  char buf[kLongStrSize];
  size_t n = Ll2String(buf, sizeof(buf), value);
  if (n > rec.capacity) return false;
  std::memcpy(rec.value, buf, n);
  *rec.length = static_cast<uint32_t>(n);
  return true;
}

Status IncrByUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  if (old.type != ValueType::kString) {
    outcome = RmwOutcome::kWrongType;
    return Status::WrongType();
  }
  if (!Compute(old.value)) return Status::Aborted();
  out.value = Ll2String(value);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// INCRBYFLOAT

bool IncrByFloatUpdater::Compute(std::string_view old_text) {
  long double current;
  if (!String2ld(old_text, &current) || !increment_valid) {
    outcome = RmwOutcome::kNotFloat;
    return false;
  }
  current += increment;
  if (std::isnan(current) || std::isinf(current)) {
    outcome = RmwOutcome::kNanOrInfinity;
    return false;
  }
  char buf[kMaxLongDoubleChars];
  size_t n = Ld2String(buf, sizeof(buf), current, LdMode::kHuman);
  text.assign(buf, n);
  outcome = RmwOutcome::kDone;
  return true;
}

Status IncrByFloatUpdater::InitialUpdate(RecordBuilder& out) {
  if (!Compute("0")) return Status::Aborted();
  out.type = ValueType::kString;
  out.expire_at_ms = storage::kNoExpiry;
  out.value = text;
  return Status::Ok();
}

bool IncrByFloatUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (rec.type != ValueType::kString) return false;
  if (!Compute(std::string_view(rec.value, *rec.length))) return false;
  if (text.size() > rec.capacity) return false;
  std::memcpy(rec.value, text.data(), text.size());
  *rec.length = static_cast<uint32_t>(text.size());
  return true;
}

Status IncrByFloatUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  if (old.type != ValueType::kString) {
    outcome = RmwOutcome::kWrongType;
    return Status::WrongType();
  }
  if (!Compute(old.value)) return Status::Aborted();
  out.value = text;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// APPEND

bool ExceedsMaxBulkLen(uint64_t size, uint64_t append) {
  uint64_t total = size + append;
  return total > kProtoMaxBulkLen || total < size || total < append;
}

Status AppendUpdater::InitialUpdate(RecordBuilder& out) {
  out.type = ValueType::kString;
  out.expire_at_ms = storage::kNoExpiry;
  out.value.assign(suffix);
  length = suffix.size();
  outcome = RmwOutcome::kDone;
  return Status::Ok();
}

bool AppendUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (rec.type != ValueType::kString) return false;
  uint64_t old_len = *rec.length;
  if (ExceedsMaxBulkLen(old_len, suffix.size()) || old_len + suffix.size() > rec.capacity) {
    return false;
  }
  std::memcpy(rec.value + old_len, suffix.data(), suffix.size());
  *rec.length = static_cast<uint32_t>(old_len + suffix.size());
  length = *rec.length;
  outcome = RmwOutcome::kDone;
  return true;
}

Status AppendUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  if (old.type != ValueType::kString) {
    outcome = RmwOutcome::kWrongType;
    return Status::WrongType();
  }
  if (ExceedsMaxBulkLen(old.value.size(), suffix.size())) {
    outcome = RmwOutcome::kTooLong;
    return Status::Aborted();
  }
  out.value.append(suffix);
  length = out.value.size();
  outcome = RmwOutcome::kDone;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// SETRANGE

bool SetRangeUpdater::TooLong() const { return ExceedsMaxBulkLen(offset, patch.size()); }

Status SetRangeUpdater::InitialUpdate(RecordBuilder& out) {
  if (patch.empty()) {
    outcome = RmwOutcome::kAbsent;
    length = 0;
    return Status::NotFound();
  }
  if (TooLong()) {
    outcome = RmwOutcome::kTooLong;
    return Status::Aborted();
  }
  out.type = ValueType::kString;
  out.expire_at_ms = storage::kNoExpiry;
  out.value.assign(offset + patch.size(), '\0');
  std::memcpy(out.value.data() + offset, patch.data(), patch.size());
  length = out.value.size();
  outcome = RmwOutcome::kDone;
  return Status::Ok();
}

bool SetRangeUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (rec.type != ValueType::kString) return false;
  uint64_t old_len = *rec.length;
  if (patch.empty()) {
    length = old_len;
    outcome = RmwOutcome::kUnchanged;
    return true;
  }
  if (TooLong()) return false;
  uint64_t new_len = std::max<uint64_t>(old_len, offset + patch.size());
  if (new_len > rec.capacity) return false;
  if (offset > old_len) std::memset(rec.value + old_len, 0, offset - old_len);
  std::memcpy(rec.value + offset, patch.data(), patch.size());
  *rec.length = static_cast<uint32_t>(new_len);
  length = new_len;
  outcome = RmwOutcome::kDone;
  return true;
}

Status SetRangeUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  if (old.type != ValueType::kString) {
    outcome = RmwOutcome::kWrongType;
    return Status::WrongType();
  }
  if (patch.empty()) {
    length = old.value.size();
    outcome = RmwOutcome::kUnchanged;
    return Status::Aborted();
  }
  if (TooLong()) {
    outcome = RmwOutcome::kTooLong;
    return Status::Aborted();
  }
  if (out.value.size() < offset + patch.size()) out.value.resize(offset + patch.size(), '\0');
  std::memcpy(out.value.data() + offset, patch.data(), patch.size());
  length = out.value.size();
  outcome = RmwOutcome::kDone;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// SET GETEX GETDEL

Status SetUpdater::InitialUpdate(RecordBuilder& out) {
  found = false;
  old_value.clear();
  if (flags & kSetXx) {
    outcome = RmwOutcome::kSkipped;
    return Status::NotFound();
  }
  out.type = ValueType::kString;
  out.expire_at_ms = expire_at.value_or(kNoExpiry);
  out.value.assign(value);
  outcome = RmwOutcome::kDone;
  return Status::Ok();
}

bool SetUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (rec.type != ValueType::kString) return false;
  if (!(flags & kSetNx) && value.size() > rec.capacity) return false;
  found = true;
  if (flags & kSetGet) old_value.assign(rec.value, *rec.length);
  if (flags & kSetNx) {
    outcome = RmwOutcome::kSkipped;
    return true;
  }
  std::copy(value.begin(), value.end(), rec.value);
  *rec.length = static_cast<uint32_t>(value.size());
  *rec.expire_at_ms = NewExpiry(*rec.expire_at_ms);
  outcome = RmwOutcome::kDone;
  return true;
}

Status SetUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  found = true;
  if (flags & kSetGet) {
    if (old.type != ValueType::kString) {
      outcome = RmwOutcome::kWrongType;
      return Status::WrongType();
    }
    old_value.assign(old.value);
  }
  if (flags & kSetNx) {
    outcome = RmwOutcome::kSkipped;
    return Status::Aborted();
  }
  out.type = ValueType::kString;
  out.value.assign(value);
  out.expire_at_ms = NewExpiry(old.expire_at_ms);
  outcome = RmwOutcome::kDone;
  return Status::Ok();
}

int64_t SetUpdater::NewExpiry(int64_t old) const {
  if (expire_at) return *expire_at;
  return (flags & kSetKeepTtl) ? old : kNoExpiry;
}

Status GetExUpdater::InitialUpdate(RecordBuilder&) {
  outcome = RmwOutcome::kAbsent;
  return Status::NotFound();
}

bool GetExUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (rec.type != ValueType::kString || (delete_now && !expire_error)) return false;
  value.assign(rec.value, *rec.length);
  if (expire_error) {
    outcome = RmwOutcome::kSkipped;
  } else if (flags & kSetAnyExpire) {
    *rec.expire_at_ms = at_ms;
    outcome = RmwOutcome::kDone;
  } else {
    outcome = *rec.expire_at_ms == kNoExpiry ? RmwOutcome::kUnchanged : RmwOutcome::kDone;
    *rec.expire_at_ms = kNoExpiry;
  }
  return true;
}

Status GetExUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  if (old.type != ValueType::kString) {
    outcome = RmwOutcome::kWrongType;
    return Status::WrongType();
  }
  value.assign(old.value);
  if (expire_error) {
    outcome = RmwOutcome::kSkipped;
    return Status::Aborted();
  }
  if (delete_now) {
    outcome = RmwOutcome::kDeleted;
    return Status::NotFound();
  }
  if (flags & kSetAnyExpire) {
    out.expire_at_ms = at_ms;
  } else if (old.expire_at_ms == kNoExpiry) {
    outcome = RmwOutcome::kUnchanged;
    return Status::Aborted();
  } else {
    out.expire_at_ms = kNoExpiry;
  }
  outcome = RmwOutcome::kDone;
  return Status::Ok();
}

Status GetDelUpdater::InitialUpdate(RecordBuilder&) {
  outcome = RmwOutcome::kAbsent;
  return Status::NotFound();
}

Status GetDelUpdater::CopyUpdate(const RecordView& old, RecordBuilder&) {
  if (old.type != ValueType::kString) {
    outcome = RmwOutcome::kWrongType;
    return Status::WrongType();
  }
  value.assign(old.value);
  outcome = RmwOutcome::kDeleted;
  return Status::NotFound();
}

// ---------------------------------------------------------------------------------------------
// GETRANGE

bool GetRangeBounds(int64_t start, int64_t end, uint64_t length, uint64_t* from, uint64_t* count) {
  if (start < 0 && end < 0 && start > end) return false;
  const int64_t len = static_cast<int64_t>(length);
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (static_cast<uint64_t>(end) >= length) end = len - 1;
  if (start > end || length == 0) return false;
  *from = static_cast<uint64_t>(start);
  *count = static_cast<uint64_t>(end - start + 1);
  return true;
}

// ---------------------------------------------------------------------------------------------
// LCS

LcsError ComputeLcs(std::string_view a, std::string_view b, bool want_sequence, bool want_matches,
                    int64_t min_match_len, LcsResult* result) {
  constexpr uint64_t kMaxLen = std::numeric_limits<uint32_t>::max() - 1;
  if (a.size() >= kMaxLen || b.size() >= kMaxLen) return LcsError::kStringTooLong;
  const uint32_t alen = static_cast<uint32_t>(a.size());
  const uint32_t blen = static_cast<uint32_t>(b.size());
  const uint64_t cells = uint64_t{alen + 1u} * (blen + 1u);
  if (cells * sizeof(uint32_t) > kProtoMaxBulkLen) return LcsError::kTableTooLarge;
  std::unique_ptr<uint32_t[]> table(new (std::nothrow) uint32_t[cells]);
  if (!table) return LcsError::kAllocFailed;
  // table[i * (blen + 1) + j] = LCS length of a[0, i) and b[0, j).
  auto at = [&](uint32_t i, uint32_t j) -> uint32_t& {
    return table[uint64_t{i} * (blen + 1) + j];
  };
  for (uint32_t i = 0; i <= alen; ++i) {
    for (uint32_t j = 0; j <= blen; ++j) {
      if (i == 0 || j == 0) {
        at(i, j) = 0;
      } else if (a[i - 1] == b[j - 1]) {
        at(i, j) = at(i - 1, j - 1) + 1;
      } else {
        at(i, j) = std::max(at(i - 1, j), at(i, j - 1));
      }
    }
  }
  result->length = at(alen, blen);
  result->sequence.clear();
  result->matches.clear();
  if (!want_sequence && !want_matches) return LcsError::kNone;

  // Walk back from the end, collecting the sequence and the maximal runs of consecutive matches
  // (a range is emitted when the run breaks or reaches the start of either string).
  result->sequence.resize(result->length);
  uint32_t idx = result->length;
  bool in_range = false;
  uint32_t a_start = 0, a_end = 0, b_start = 0, b_end = 0;
  uint32_t i = alen, j = blen;
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result->sequence[idx - 1] = a[i - 1];
      if (!in_range) {
        in_range = true;
        a_start = a_end = i - 1;
        b_start = b_end = j - 1;
      } else if (a_start == i && b_start == j) {
        --a_start;
        --b_start;
      } else {
        emit = true;
      }
      if (a_start == 0 || b_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (in_range) emit = true;
    }
    if (emit) {
      uint32_t match_len = a_end - a_start + 1;
      if (want_matches && (min_match_len == 0 || match_len >= min_match_len)) {
        result->matches.push_back({a_start, a_end, b_start, b_end, match_len});
      }
      in_range = false;
    }
  }
  if (!want_sequence) result->sequence.clear();
  return LcsError::kNone;
}

}  // namespace ferrite::commands
