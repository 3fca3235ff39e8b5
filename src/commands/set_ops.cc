#include "commands/set_ops.h"

#include <algorithm>

#include "base/random.h"
#include "server/command_context.h"
#include "server/config/runtime_config.h"
#include "server/server_context.h"

namespace ferrite::commands {

using storage::MutableRecord;
using storage::NoValue;
using storage::RecordBuilder;
using storage::RecordView;
using storage::SetObject;
using storage::ValueType;

SetLimits SetLimitsOf(server::CommandContext& ctx) {
  SetLimits limits;
  if (const auto* rc = ctx.server.runtime_config_if_set()) {
    limits.max_intset_entries =
        static_cast<size_t>(std::max<int64_t>(rc->encoding_limits().set_max_intset_entries, 0));
  }
  return limits;
}

std::string_view SetEncoding(const SetObject& set, const SetLimits& limits) {
  if (set.hashtable_encoding || set.Length() > limits.max_intset_entries) return "hashtable";
  for (const auto& e : set.table().entries()) {
    if (!IsIntsetMember(e.key)) return "hashtable";
  }
  return "intset";
}

void ResetSetEncoding(SetObject& set, const SetLimits& limits) {
  set.hashtable_encoding = false;
  set.hashtable_encoding = SetEncoding(set, limits) == "hashtable";
}

namespace {

SetObject* MutableSet(MutableRecord& rec) {
  if (rec.type != ValueType::kSet || rec.object == nullptr) return nullptr;
  return static_cast<SetObject*>(rec.object);
}

SetObject* CopyTarget(const RecordView& old, RecordBuilder& out, RmwOutcome* outcome) {
  if (old.type != ValueType::kSet || out.object == nullptr) {
    *outcome = RmwOutcome::kWrongType;
    return nullptr;
  }
  return static_cast<SetObject*>(out.object.get());
}

std::unique_ptr<SetObject> CloneSet(const SetObject& set) {
  return std::unique_ptr<SetObject>(static_cast<SetObject*>(set.Clone().release()));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// SADD

void SetAddUpdater::Apply(SetObject& set) {
  added = 0;
  for (std::string_view member : members) {
    if (set.table().Set(member, NoValue{})) {
      ++added;
      NoteSetAdd(set, member, limits);
    }
  }
  outcome = RmwOutcome::kDone;
}

Status SetAddUpdater::InitialUpdate(RecordBuilder& out) {
  auto set = std::make_unique<SetObject>();
  set->table().Reserve(members.size());
  Apply(*set);
  out.type = ValueType::kSet;
  out.expire_at_ms = storage::kNoExpiry;
  out.object = std::move(set);
  return Status::Ok();
}

bool SetAddUpdater::InPlaceUpdate(MutableRecord& rec) {
  SetObject* set = MutableSet(rec);
  if (set == nullptr) return false;
  Apply(*set);
  return true;
}

Status SetAddUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  SetObject* set = CopyTarget(old, out, &outcome);
  if (set == nullptr) return Status::WrongType();
  Apply(*set);
  return added > 0 ? Status::Ok() : Status::Aborted();
}

// ---------------------------------------------------------------------------------------------
// SREM

void SetRemUpdater::Apply(SetObject& set) {
  removed = 0;
  for (std::string_view member : members) {
    if (set.table().Erase(member)) {
      ++removed;
      if (set.table().empty()) break;
    }
  }
  outcome = removed > 0 ? RmwOutcome::kDone : RmwOutcome::kUnchanged;
}

Status SetRemUpdater::InitialUpdate(RecordBuilder&) {
  removed = 0;
  outcome = RmwOutcome::kAbsent;
  return Status::NotFound();
}

bool SetRemUpdater::InPlaceUpdate(MutableRecord& rec) {
  SetObject* set = MutableSet(rec);
  if (set == nullptr) return false;
  Apply(*set);
  return true;
}

Status SetRemUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  SetObject* set = CopyTarget(old, out, &outcome);
  if (set == nullptr) return Status::WrongType();
  Apply(*set);
  if (removed == 0) return Status::Aborted();
  return set->table().empty() ? Status::NotFound() : Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// SPOP

void SetPopUpdater::Apply(SetObject& set) {
  auto& table = set.table();
  const size_t size = table.size();
  whole = count >= size;
  const size_t n = whole ? size : static_cast<size_t>(count);
  popped.clear();
  popped.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    // Taking the whole set empties it from the end, where Erase moves nothing.
    const size_t pos = whole ? table.size() - 1 : FastRandomBelow(table.size());
    popped.push_back(table.At(pos).key);
    table.Erase(popped.back());
  }
  outcome = RmwOutcome::kDone;
}

Status SetPopUpdater::InitialUpdate(RecordBuilder&) {
  popped.clear();
  whole = false;
  outcome = RmwOutcome::kAbsent;
  return Status::NotFound();
}

bool SetPopUpdater::InPlaceUpdate(MutableRecord& rec) {
  SetObject* set = MutableSet(rec);
  if (set == nullptr) return false;
  Apply(*set);
  return true;
}

Status SetPopUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  SetObject* set = CopyTarget(old, out, &outcome);
  if (set == nullptr) return Status::WrongType();
  Apply(*set);
  return set->table().empty() ? Status::NotFound() : Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// SUNION SINTER SDIFF

namespace {

// Reads the set at `key` and calls fn(const SetObject&). OK, NotFound, WrongType, Corruption or
// a store failure.
template <typename Fn>
Status ReadSet(storage::StoreSession& store, storage::DbIndex db, std::string_view key, Fn&& fn) {
  bool wrong_type = false, missing_object = false;
  Status st = store.Read(db, key, [&](const RecordView& r) {
    if (r.type != ValueType::kSet) {
      wrong_type = true;
    } else if (r.object == nullptr) {
      missing_object = true;
    } else {
      fn(static_cast<const SetObject&>(*r.object));
    }
  });
  if (!st.ok()) return st;
  if (wrong_type) return Status::WrongType();
  if (missing_object) return Status::Corruption("set record without its object");
  return Status::Ok();
}

// Keeps the members of `result` that `other` holds. Erase moves the last entry into the hole;
// walking from the end means that entry was already kept.
void IntersectWith(SetObject& result, const SetObject& other) {
  auto& table = result.table();
  for (size_t pos = table.size(); pos-- > 0;) {
    if (!other.table().Contains(table.At(pos).key)) table.Erase(table.At(pos).key);
  }
}

// Removes from `result` the members `other` holds, walking whichever of the two is smaller.
void SubtractFrom(SetObject& result, const SetObject& other) {
  auto& table = result.table();
  if (other.Length() < table.size()) {
    for (const auto& e : other.table().entries()) table.Erase(e.key);
    return;
  }
  for (size_t pos = table.size(); pos-- > 0;) {
    if (other.table().Contains(table.At(pos).key)) table.Erase(table.At(pos).key);
  }
}

}  // namespace

Status ComputeSetOp(storage::StoreSession& store, storage::DbIndex db,
                    std::span<const std::string_view> keys, SetOp op, SetOpResult* result) {
  // Pass 1: every source's type and size. Records on disk surface here as Pending.
  std::vector<int64_t> sizes(keys.size(), -1);  // -1: absent
  for (size_t i = 0; i < keys.size(); ++i) {
    Status st = ReadSet(store, db, keys[i], [&](const SetObject& set) {
      sizes[i] = static_cast<int64_t>(set.Length());
    });
    if (st.IsNotFound()) {
      ++result->misses;
      continue;
    }
    if (st.code() != StatusCode::kPending) ++result->hits;
    if (!st.ok()) return st;
  }

  result->set = std::make_unique<SetObject>();
  // Pass 2. A source that vanished since pass 1 (expired meanwhile) reads as an empty set.
  auto read = [&](size_t i, auto&& fn) -> Status {
    Status st = ReadSet(store, db, keys[i], fn);
    return st.IsNotFound() ? Status::Ok() : st;
  };
  switch (op) {
    case SetOp::kUnion: {
      for (size_t i = 0; i < keys.size(); ++i) {
        if (sizes[i] <= 0) continue;
        Status st = read(i, [&](const SetObject& set) {
          if (result->set->Length() == 0) {
            result->set = CloneSet(set);
            return;
          }
          for (const auto& e : set.table().entries()) result->set->table().Set(e.key, NoValue{});
        });
        if (!st.ok()) return st;
      }
      break;
    }
    case SetOp::kInter: {
      if (std::find(sizes.begin(), sizes.end(), -1) != sizes.end()) break;  // empty
      // Start from the smallest set and filter it through the others.
      const size_t first = std::min_element(sizes.begin(), sizes.end()) - sizes.begin();
      bool any = false;
      Status st = read(first, [&](const SetObject& set) {
        result->set = CloneSet(set);
        any = true;
      });
      if (!st.ok()) return st;
      for (size_t i = 0; any && i < keys.size() && result->set->Length() > 0; ++i) {
        if (i == first || keys[i] == keys[first]) continue;
        bool seen = false;
        st = read(i, [&](const SetObject& set) {
          IntersectWith(*result->set, set);
          seen = true;
        });
        if (!st.ok()) return st;
        if (!seen) result->set = std::make_unique<SetObject>();
      }
      break;
    }
    case SetOp::kDiff: {
      if (sizes[0] <= 0) break;
      for (size_t i = 1; i < keys.size(); ++i) {
        if (keys[i] == keys[0]) return Status::Ok();  // minus itself: empty
      }
      Status st = read(0, [&](const SetObject& set) { result->set = CloneSet(set); });
      if (!st.ok()) return st;
      for (size_t i = 1; i < keys.size() && result->set->Length() > 0; ++i) {
        if (sizes[i] <= 0) continue;
        st = read(i, [&](const SetObject& set) { SubtractFrom(*result->set, set); });
        if (!st.ok()) return st;
      }
      break;
    }
  }
  return Status::Ok();
}

}  // namespace ferrite::commands
