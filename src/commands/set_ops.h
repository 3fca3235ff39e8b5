#pragma once
// Set operations behind the set family (SADD SREM SPOP SINTER ...; commands/set_family.cc).
//
// Write commands on one key are one Rmw through the updaters below (the contract is in
// commands/string_ops.h: the engine may call a callback more than once, so each recomputes every
// result field). An update that removes the last member leaves an empty object, which the engine
// deletes with the key: a collection never exists empty.
//
// Multi-key algebra (SINTER SUNION SDIFF, their STORE forms, SINTERCARD) is ComputeSetOp: it
// reads every source once for its type and size (so that a record on disk turns the command
// pending before anything is written), then reads them again to build the result in a new
// SetObject. The sources are never held at the same time: a record's object may only be used
// inside the store's read callback.
//
// Encoding: every set is a DenseTable, but OBJECT ENCODING answers as Redis 7.0 would: "intset"
// while every member is an integer (Redis's string2ll) and there are at most
// set-max-intset-entries (512) of them, "hashtable" for good after that. The writers set the
// object's sticky `hashtable_encoding` flag at the moment Redis would convert.
//
// Thread safety: updaters are per-call objects used by one thread; the free functions are pure
// or use only the store session they are given.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/string_util.h"
#include "commands/string_ops.h"
#include "storage/objects/set_object.h"
#include "storage/store.h"

namespace ferrite::server {
class CommandContext;
}

namespace ferrite::commands {

// Redis 7.0's default of CONFIG set-max-intset-entries.
inline constexpr size_t kSetMaxIntsetEntries = 512;

// The threshold in force: the runtime configuration's, or the default when the server has none.
struct SetLimits {
  size_t max_intset_entries = kSetMaxIntsetEntries;
};
SetLimits SetLimitsOf(server::CommandContext& ctx);

// Whether Redis would keep `member` in an intset: a canonical int64 (string2ll).
inline bool IsIntsetMember(std::string_view member) {
  int64_t ignored;
  return String2ll(member, &ignored);
}

// OBJECT ENCODING of a set: "hashtable" once converted (the sticky flag, set by the writers with
// the limit of the moment) or while it holds more than `limits.max_intset_entries` members or a
// member that is not an integer (a set rebuilt from disk has lost the flag, and is judged like a
// Redis set reloaded from an RDB file); otherwise "intset". At most max_intset_entries members
// are looked at.
std::string_view SetEncoding(const storage::SetObject& set, const SetLimits& limits = {});

// Sets the sticky flag when adding `member` (already inserted) makes Redis convert the set.
inline void NoteSetAdd(storage::SetObject& set, std::string_view member, const SetLimits& limits) {
  if (!set.hashtable_encoding &&
      (set.Length() > limits.max_intset_entries || !IsIntsetMember(member))) {
    set.hashtable_encoding = true;
  }
}

// Recomputes the flag of a set built in one go (a *STORE result): Redis builds those from an
// empty intset, so the flag says whether any member or the size forced a conversion.
void ResetSetEncoding(storage::SetObject& set, const SetLimits& limits);

// SADD (and SMOVE's destination). `added` counts new members. Outcome kDone or kWrongType.
struct SetAddUpdater final : storage::RmwFunctions {
  explicit SetAddUpdater(std::span<const std::string_view> members, const SetLimits& limits = {})
      : members(members), limits(limits) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  std::span<const std::string_view> members;
  SetLimits limits;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  int64_t added = 0;

 private:
  void Apply(storage::SetObject& set);
};

// SREM (and SMOVE's source). `removed` counts members removed; the key goes with the last one.
// Outcome kAbsent, kUnchanged (nothing matched), kDone or kWrongType.
struct SetRemUpdater final : storage::RmwFunctions {
  explicit SetRemUpdater(std::span<const std::string_view> members) : members(members) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  std::span<const std::string_view> members;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  int64_t removed = 0;

 private:
  void Apply(storage::SetObject& set);
};

// SPOP: removes min(count, size) random members into `popped` (in the order drawn). `whole` says
// the set was emptied (and the key deleted). REQUIRES: count >= 1. Outcome kAbsent, kDone or
// kWrongType.
struct SetPopUpdater final : storage::RmwFunctions {
  explicit SetPopUpdater(uint64_t count) : count(count) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  uint64_t count;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  std::vector<std::string> popped;
  bool whole = false;

 private:
  void Apply(storage::SetObject& set);
};

enum class SetOp : uint8_t { kUnion, kInter, kDiff };

// The outcome of ComputeSetOp besides its status.
struct SetOpResult {
  std::unique_ptr<storage::SetObject> set;  // never null on OK; may be empty
  uint64_t hits = 0;                        // keyspace statistics (lookupKeyRead per source)
  uint64_t misses = 0;
};

// SUNION / SINTER / SDIFF of the sets at `keys` in `db`, with Redis's rules: a missing key is an
// empty set; any source of another type fails the command with WrongType (even after a missing
// key); SDIFF of a key with itself is empty. Returns OK, WrongType, Corruption (a set record
// without its object), Pending (a source is on disk: nothing was changed) or another store
// failure.
Status ComputeSetOp(storage::StoreSession& store, storage::DbIndex db,
                    std::span<const std::string_view> keys, SetOp op, SetOpResult* result);

}  // namespace ferrite::commands
