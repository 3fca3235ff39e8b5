#pragma once
// Hash operations behind the hash family (HSET HDEL HINCRBY ...; commands/hash_family.cc).
//
// Write commands are one Rmw each, through the updaters below (Garnet's three callbacks, see the
// contract in commands/string_ops.h): InitialUpdate builds a new HashObject when the key is
// absent, InPlaceUpdate mutates the record's object in the mutable region, CopyUpdate edits the
// engine's clone of an older record. The engine may call a callback more than once (a failed CAS
// retries), so every callback recomputes each result field from its inputs. An update that
// removes the last field leaves an empty object, which the engine deletes with the key: a
// collection never exists empty.
//
// Encoding: Ferrite keeps every hash in a DenseTable, but OBJECT ENCODING answers as Redis 7.0
// would ("listpack" while small, "hashtable" for good once it grew past hash-max-listpack-entries
// or a field or value longer than hash-max-listpack-value was written). The writers here set the
// object's sticky `hashtable_encoding` flag at the moment Redis would convert.
//
// Thread safety: updaters are per-call objects used by one thread; the free functions are pure.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <vector>

#include "base/function_ref.h"
#include "base/status.h"
#include "commands/string_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "storage/objects/hash_object.h"
#include "storage/store.h"

namespace ferrite::commands {

// Redis 7.0's defaults of CONFIG hash-max-listpack-entries / hash-max-listpack-value.
inline constexpr size_t kHashMaxListpackEntries = 128;
inline constexpr size_t kHashMaxListpackValue = 64;

// The thresholds in force: the runtime configuration's (CONFIG SET changes them), or the
// defaults when the server has none (unit tests).
struct HashLimits {
  size_t max_entries = kHashMaxListpackEntries;
  size_t max_value = kHashMaxListpackValue;
};
HashLimits HashLimitsOf(server::CommandContext& ctx);

// OBJECT ENCODING of a hash: "hashtable" once converted (the sticky flag, set by the writers
// below with the limits of the moment), or while it holds more than `limits.max_entries` fields
// or a field or value longer than `limits.max_value` (a hash rebuilt from disk has lost the flag,
// and is judged like a Redis hash reloaded from an RDB file); otherwise "listpack". O(1) for
// large hashes; otherwise at most max_entries entries are looked at.
std::string_view HashEncoding(const storage::HashObject& hash, const HashLimits& limits = {});

// Sets the sticky flag if writing `field` = `value` makes Redis convert the hash to a hashtable.
// Call after the write (the length includes the new field).
inline void NoteHashWrite(storage::HashObject& hash, std::string_view field, std::string_view value,
                          const HashLimits& limits) {
  if (!hash.hashtable_encoding &&
      (field.size() > limits.max_value || value.size() > limits.max_value ||
       hash.Length() > limits.max_entries)) {
    hash.hashtable_encoding = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the hash and set families (and usable by the other collection families).

// What ReadCollection found.
enum class Lookup : uint8_t {
  kFound,    // the key holds the type: `fn` ran
  kAbsent,   // no such key: nothing replied
  kReplied,  // wrong type, corruption or a store failure replied to, or the command went pending
};

// Reads the collection of type `type` at `key` in the client's database and calls
// `fn(const Object&)` with it while the record is held (write the reply from inside `fn`: the
// object must not be kept). Counts a keyspace hit or miss as Redis's lookupKeyRead does.
template <typename Object, typename Fn>
Lookup ReadCollection(server::CommandContext& ctx, std::string_view key, storage::ValueType type,
                      Fn&& fn) {
  bool wrong_type = false, missing_object = false;
  Status st = ctx.store.Read(ctx.client.db, key, [&](const storage::RecordView& r) {
    if (r.type != type) {
      wrong_type = true;
    } else if (r.object == nullptr) {
      missing_object = true;
    } else {
      fn(static_cast<const Object&>(*r.object));
    }
  });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    return Lookup::kAbsent;
  }
  if (ReplyStoreFailure(ctx, st)) return Lookup::kReplied;
  CountKeyspaceHit(ctx);
  if (wrong_type || missing_object) {
    ctx.reply.Error(wrong_type ? resp::errors::kWrongType : resp::errors::kCorruption);
    return Lookup::kReplied;
  }
  return Lookup::kFound;
}

// HSCAN / SSCAN / ZSCAN arguments: "key cursor [MATCH pattern] [COUNT count]".
struct CollectionScanArgs {
  uint64_t cursor = 0;
  size_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;  // false for no MATCH or MATCH "*"
  std::string_view error;    // the option error, reported only for an existing key (as Redis)
};
// Parses the cursor (replying "ERR invalid cursor" and returning false when it is not one, before
// the key is looked up, as Redis does) and the options (an error is kept in `error`).
bool ParseCollectionScanArgs(server::CommandContext& ctx, CollectionScanArgs* args);
// Whether `element` passes the MATCH filter.
bool ScanMatches(const CollectionScanArgs& args, std::string_view element);
// Writes the reply's cursor element ("[cursor, [...]]" is the caller's).
void ReplyScanCursor(server::CommandContext& ctx, uint64_t cursor);

// HRANDFIELD / SRANDMEMBER / ZRANDMEMBER count: an integer in [-LONG_MAX, LONG_MAX]; replies
// Redis's error and returns false otherwise.
bool ParseRandomCount(server::CommandContext& ctx, std::string_view arg, int64_t* count);

// LMPOP / ZMPOP and their blocking forms: "numkeys key [key ...] <where> [COUNT count]" from
// argv[numkeys_idx], with Redis's errors and their order. `parse_where` reads the argument after
// the keys (LEFT|RIGHT, MIN|MAX) and returns false when it is not one. Replies and returns false
// on an error.
bool ParseMPopArgs(server::CommandContext& ctx, size_t numkeys_idx,
                   FunctionRef<bool(std::string_view)> parse_where,
                   std::span<const std::string_view>* keys, size_t* count);

// `count` distinct positions of [0, size), in random order. REQUIRES: count < size.
std::vector<uint32_t> SampleDistinctPositions(size_t size, size_t count);

// ---------------------------------------------------------------------------------------------
// Hash updaters

// HSET / HMSET / HSETNX. `pairs` alternates field and value (argv[2..]). With `only_new`
// (HSETNX, one pair) an existing field is left alone: outcome kSkipped. `added` counts the new
// fields. Outcome kDone, kSkipped or kWrongType.
struct HashSetUpdater final : storage::RmwFunctions {
  HashSetUpdater(std::span<const std::string_view> pairs, bool only_new,
                 const HashLimits& limits = {})
      : pairs(pairs), only_new(only_new), limits(limits) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  std::span<const std::string_view> pairs;
  bool only_new;
  HashLimits limits;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  int64_t added = 0;

 private:
  void Apply(storage::HashObject& hash);
};

// HDEL. `deleted` counts the fields removed; the key goes with the last one. Outcome kAbsent
// (no key), kUnchanged (no field matched), kDone or kWrongType.
struct HashDelUpdater final : storage::RmwFunctions {
  explicit HashDelUpdater(std::span<const std::string_view> fields) : fields(fields) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  std::span<const std::string_view> fields;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  int64_t deleted = 0;

 private:
  void Apply(storage::HashObject& hash);
};

// HINCRBY: adds `delta` to the integer in `field` (0 when absent). Outcome kDone (result in
// `value`), kNotInteger (the field holds no integer), kOverflow or kWrongType.
struct HashIncrByUpdater final : storage::RmwFunctions {
  HashIncrByUpdater(std::string_view field, int64_t delta, const HashLimits& limits = {})
      : field(field), delta(delta), limits(limits) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  std::string_view field;
  int64_t delta;
  HashLimits limits;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  int64_t value = 0;

 private:
  // Computes `value` from the hash (nothing written); false with the outcome set on failure.
  bool Compute(const storage::HashObject* hash);
  void Store(storage::HashObject& hash);
};

// HINCRBYFLOAT (the increment is finite: the handler checked). Long double arithmetic, stored in
// Redis's human format (`text`). Outcome kDone, kNotFloat (the field holds no number),
// kNanOrInfinity or kWrongType.
struct HashIncrByFloatUpdater final : storage::RmwFunctions {
  HashIncrByFloatUpdater(std::string_view field, long double increment,
                         const HashLimits& limits = {})
      : field(field), increment(increment), limits(limits) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  std::string_view field;
  long double increment;
  HashLimits limits;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  std::string text;

 private:
  bool Compute(const storage::HashObject* hash);
  void Store(storage::HashObject& hash);
};

}  // namespace ferrite::commands
