#include "commands/hash_ops.h"

#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <numeric>

#include "base/random.h"
#include "base/string_util.h"
#include "server/config/runtime_config.h"
#include "server/server_context.h"

namespace ferrite::commands {

using storage::HashObject;
using storage::MutableRecord;
using storage::RecordBuilder;
using storage::RecordView;
using storage::ValueType;

HashLimits HashLimitsOf(server::CommandContext& ctx) {
  HashLimits limits;
  if (const auto* rc = ctx.server.runtime_config_if_set()) {
    const server::config::EncodingLimits l = rc->encoding_limits();
    limits.max_entries = static_cast<size_t>(std::max<int64_t>(l.hash_max_listpack_entries, 0));
    limits.max_value = static_cast<size_t>(std::max<int64_t>(l.hash_max_listpack_value, 0));
  }
  return limits;
}

std::string_view HashEncoding(const HashObject& hash, const HashLimits& limits) {
  if (hash.hashtable_encoding || hash.Length() > limits.max_entries) return "hashtable";
  for (const auto& e : hash.table().entries()) {
    if (e.key.size() > limits.max_value || e.value.size() > limits.max_value) {
      return "hashtable";
    }
  }
  return "listpack";
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

bool ParseCollectionScanArgs(server::CommandContext& ctx, CollectionScanArgs* args) {
  if (!ParseScanCursor(ctx.argv[2], &args->cursor)) {
    ctx.reply.Error("ERR invalid cursor");
    return false;
  }
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    const std::string_view opt = ctx.argv[i];
    const bool has_value = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "count") && has_value) {
      int64_t count;
      if (!String2ll(ctx.argv[i + 1], &count)) {
        args->error = resp::errors::kNotInteger;
        break;
      }
      if (count < 1) {
        args->error = resp::errors::kSyntax;
        break;
      }
      args->count = static_cast<size_t>(count);
    } else if (EqualsIgnoreCase(opt, "match") && has_value) {
      args->pattern = ctx.argv[i + 1];
      args->use_pattern = args->pattern != "*";
    } else {
      args->error = resp::errors::kSyntax;
      break;
    }
  }
  return true;
}

bool ScanMatches(const CollectionScanArgs& args, std::string_view element) {
  return !args.use_pattern || StringMatch(args.pattern, element);
}

void ReplyScanCursor(server::CommandContext& ctx, uint64_t cursor) {
  char buf[kLongStrSize];
  ctx.reply.Bulk(std::string_view(buf, Ull2String(buf, sizeof(buf), cursor)));
}

bool ParseMPopArgs(server::CommandContext& ctx, size_t numkeys_idx,
                   FunctionRef<bool(std::string_view)> parse_where,
                   std::span<const std::string_view>* keys, size_t* count) {
  int64_t numkeys;
  if (!String2ll(ctx.argv[numkeys_idx], &numkeys) || numkeys < 1) {
    ctx.reply.Error("ERR numkeys should be greater than 0");
    return false;
  }
  // The <where> argument must follow the keys.
  if (static_cast<uint64_t>(numkeys) >= ctx.argc() - numkeys_idx - 1) {
    ctx.reply.Error(resp::errors::kSyntax);
    return false;
  }
  const size_t where_idx = numkeys_idx + 1 + static_cast<size_t>(numkeys);
  if (!parse_where(ctx.argv[where_idx])) {
    ctx.reply.Error(resp::errors::kSyntax);
    return false;
  }
  int64_t n = -1;
  for (size_t j = where_idx + 1; j < ctx.argc(); ++j) {
    if (n == -1 && EqualsIgnoreCase(ctx.argv[j], "count") && j + 1 < ctx.argc()) {
      if (!String2ll(ctx.argv[++j], &n) || n < 1) {
        ctx.reply.Error("ERR count should be greater than 0");
        return false;
      }
    } else {
      ctx.reply.Error(resp::errors::kSyntax);
      return false;
    }
  }
  *count = n == -1 ? 1 : static_cast<size_t>(n);
  *keys = ctx.argv.subspan(numkeys_idx + 1, static_cast<size_t>(numkeys));
  return true;
}

bool ParseRandomCount(server::CommandContext& ctx, std::string_view arg, int64_t* count) {
  if (!String2ll(arg, count)) {
    ctx.reply.Error(resp::errors::kNotInteger);
    return false;
  }
  if (*count == std::numeric_limits<int64_t>::min()) {
    ctx.reply.Error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
    return false;
  }
  return true;
}

std::vector<uint32_t> SampleDistinctPositions(size_t size, size_t count) {
  std::vector<uint32_t> out;
  if (count * 3 > size) {
    // A large share of the table: a partial Fisher-Yates shuffle of every position.
    out.resize(size);
    std::iota(out.begin(), out.end(), 0u);
    for (size_t i = 0; i < count; ++i) {
      std::swap(out[i], out[i + FastRandomBelow(size - i)]);
    }
    out.resize(count);
    return out;
  }
  // A small share: draw until enough distinct positions came up (few repeats expected).
  absl::flat_hash_set<uint32_t> seen;
  seen.reserve(count);
  out.reserve(count);
  while (out.size() < count) {
    const auto pos = static_cast<uint32_t>(FastRandomBelow(size));
    if (seen.insert(pos).second) out.push_back(pos);
  }
  return out;
}

namespace {

// The object to mutate in place, or null when the record is not a hash (CopyUpdate then reports
// the wrong type).
HashObject* MutableHash(MutableRecord& rec) {
  if (rec.type != ValueType::kHash || rec.object == nullptr) return nullptr;
  return static_cast<HashObject*>(rec.object);
}

// CopyUpdate's clone, or null (with outcome kWrongType) when the old record is not a hash.
HashObject* CopyTarget(const RecordView& old, RecordBuilder& out, RmwOutcome* outcome) {
  if (old.type != ValueType::kHash || out.object == nullptr) {
    *outcome = RmwOutcome::kWrongType;
    return nullptr;
  }
  return static_cast<HashObject*>(out.object.get());
}

void StartHash(RecordBuilder& out) {
  out.type = ValueType::kHash;
  out.expire_at_ms = storage::kNoExpiry;
  out.object = std::make_unique<HashObject>();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// HSET HMSET HSETNX

void HashSetUpdater::Apply(HashObject& hash) {
  added = 0;
  outcome = RmwOutcome::kDone;
  if (only_new && hash.table().Contains(pairs[0])) {
    outcome = RmwOutcome::kSkipped;
    return;
  }
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    if (hash.table().Set(pairs[i], std::string(pairs[i + 1]))) ++added;
    NoteHashWrite(hash, pairs[i], pairs[i + 1], limits);
  }
}

Status HashSetUpdater::InitialUpdate(RecordBuilder& out) {
  StartHash(out);
  auto& hash = static_cast<HashObject&>(*out.object);
  hash.table().Reserve(pairs.size() / 2);
  Apply(hash);
  return Status::Ok();
}

bool HashSetUpdater::InPlaceUpdate(MutableRecord& rec) {
  HashObject* hash = MutableHash(rec);
  if (hash == nullptr) return false;
  Apply(*hash);
  return true;
}

Status HashSetUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  HashObject* hash = CopyTarget(old, out, &outcome);
  if (hash == nullptr) return Status::WrongType();
  Apply(*hash);
  return outcome == RmwOutcome::kSkipped ? Status::Aborted() : Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// HDEL

void HashDelUpdater::Apply(HashObject& hash) {
  deleted = 0;
  for (std::string_view field : fields) {
    if (hash.table().Erase(field)) {
      ++deleted;
      if (hash.table().empty()) break;
    }
  }
  outcome = deleted > 0 ? RmwOutcome::kDone : RmwOutcome::kUnchanged;
}

Status HashDelUpdater::InitialUpdate(RecordBuilder&) {
  deleted = 0;
  outcome = RmwOutcome::kAbsent;
  return Status::NotFound();
}

bool HashDelUpdater::InPlaceUpdate(MutableRecord& rec) {
  HashObject* hash = MutableHash(rec);
  if (hash == nullptr) return false;
  Apply(*hash);
  return true;
}

Status HashDelUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  HashObject* hash = CopyTarget(old, out, &outcome);
  if (hash == nullptr) return Status::WrongType();
  Apply(*hash);
  if (deleted == 0) return Status::Aborted();
  return hash->table().empty() ? Status::NotFound() : Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// HINCRBY

bool HashIncrByUpdater::Compute(const HashObject* hash) {
  int64_t old = 0;
  const std::string* current = hash != nullptr ? hash->table().Find(field) : nullptr;
  if (current != nullptr && !String2ll(*current, &old)) {
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

void HashIncrByUpdater::Store(HashObject& hash) {
  char buf[kLongStrSize];
  const std::string_view text(buf, Ll2String(buf, sizeof(buf), value));
  hash.table().Set(field, std::string(text));
  NoteHashWrite(hash, field, text, limits);
}

Status HashIncrByUpdater::InitialUpdate(RecordBuilder& out) {
  if (!Compute(nullptr)) return Status::Aborted();
  StartHash(out);
  Store(static_cast<HashObject&>(*out.object));
  return Status::Ok();
}

bool HashIncrByUpdater::InPlaceUpdate(MutableRecord& rec) {
  HashObject* hash = MutableHash(rec);
  if (hash == nullptr) return false;
  // A failure changes nothing, so it is final here too: no need to go through CopyUpdate.
  if (Compute(hash)) Store(*hash);
  return true;
}

Status HashIncrByUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  HashObject* hash = CopyTarget(old, out, &outcome);
  if (hash == nullptr) return Status::WrongType();
  if (!Compute(hash)) return Status::Aborted();
  Store(*hash);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// HINCRBYFLOAT

bool HashIncrByFloatUpdater::Compute(const HashObject* hash) {
  long double current = 0;
  const std::string* old = hash != nullptr ? hash->table().Find(field) : nullptr;
  if (old != nullptr && !String2ld(*old, &current)) {
    outcome = RmwOutcome::kNotFloat;
    return false;
  }
  current += increment;
  if (std::isnan(current) || std::isinf(current)) {
    outcome = RmwOutcome::kNanOrInfinity;
    return false;
  }
  char buf[kMaxLongDoubleChars];
  text.assign(buf, Ld2String(buf, sizeof(buf), current, LdMode::kHuman));
  outcome = RmwOutcome::kDone;
  return true;
}

void HashIncrByFloatUpdater::Store(HashObject& hash) {
  hash.table().Set(field, text);
  NoteHashWrite(hash, field, text, limits);
}

Status HashIncrByFloatUpdater::InitialUpdate(RecordBuilder& out) {
  if (!Compute(nullptr)) return Status::Aborted();
  StartHash(out);
  Store(static_cast<HashObject&>(*out.object));
  return Status::Ok();
}

bool HashIncrByFloatUpdater::InPlaceUpdate(MutableRecord& rec) {
  HashObject* hash = MutableHash(rec);
  if (hash == nullptr) return false;
  if (Compute(hash)) Store(*hash);
  return true;
}

Status HashIncrByFloatUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  HashObject* hash = CopyTarget(old, out, &outcome);
  if (hash == nullptr) return Status::WrongType();
  if (!Compute(hash)) return Status::Aborted();
  Store(*hash);
  return Status::Ok();
}

}  // namespace ferrite::commands
