#pragma once
// List operations behind the list family (commands/list_family.cc): the read-modify-write
// updaters, the index arithmetic and the argument parsers shared by the handlers.
//
// Updaters follow commands/string_ops.h: Garnet's three callbacks, where InitialUpdate runs for
// an absent key, InPlaceUpdate mutates the record's ListObject in the mutable region, and
// CopyUpdate edits the engine's clone of it (`out.object`). The engine may call a callback more
// than once (a failed CAS retries CopyUpdate with a fresh clone), so every callback recomputes all
// of its result fields from its inputs. A key holding another type makes InPlaceUpdate decline
// and CopyUpdate return Status::WrongType(), so Rmw() returns kWrongType and nothing changes.
// A callback that has nothing to change returns Status::Aborted() from CopyUpdate (no record is
// written) and leaves the answer in `outcome`. Emptying a list deletes the key: the engine does
// it for both paths (storage/store.h), so handlers need no DEL of their own.
//
// Thread safety: an updater is a per-call object used by one thread; the free functions are pure
// except ReadList, which runs on the handler's thread like the handler itself.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/function_ref.h"
#include "base/status.h"
#include "storage/objects/list_object.h"
#include "storage/store.h"

namespace ferrite::server {
class CommandContext;
}

namespace ferrite::commands {

// Which end of a list: Redis's LIST_HEAD ("LEFT") and LIST_TAIL ("RIGHT").
enum class ListEnd : uint8_t { kLeft, kRight };

// Parses "LEFT" / "RIGHT" (any case), as getListPositionFromObjectOrReply.
bool ParseListEnd(std::string_view arg, ListEnd* end);
inline std::string_view ListEndName(ListEnd end) {
  return end == ListEnd::kLeft ? "LEFT" : "RIGHT";
}

// OBJECT ENCODING of a list. Redis 7.0 stores every list as a quicklist (of listpack nodes) and
// reports "quicklist" whatever its size: the listpack encoding for small lists arrived in 7.2, and
// the 7.0.15 Tcl suite asserts "quicklist" for a three-element list. So the answer does not
// depend on list-max-listpack-size, and ListObject::quicklist_encoding is not consulted.
std::string_view ListEncoding(const storage::ListObject& list);

// The [start, end] slice of a list of `length` elements with Redis's negative-index rules
// (addListRangeReply / LTRIM). False when the slice is empty; otherwise [*from, *from + *count).
bool ListRangeBounds(int64_t start, int64_t end, size_t length, size_t* from, size_t* count);

// The element index LINDEX / LSET address, or false when out of range.
bool ListIndex(int64_t index, size_t length, size_t* at);

// A blocking command's timeout argument in seconds (getTimeoutFromObjectOrReply, UNIT_SECONDS):
// a long double, rounded up to milliseconds. On failure returns false with `error` set to the
// exact Redis message. *ms is relative; 0 means block forever.
bool ParseBlockTimeout(std::string_view arg, int64_t* ms, std::string_view* error);

// Reads `key` as a list and calls `fn` with it. Returns OK (fn ran), NotFound, WrongType (fn did
// not run), Pending, or another store failure. Does not count keyspace hits or misses.
Status ReadList(server::CommandContext& ctx, std::string_view key,
                FunctionRef<void(const storage::ListObject&)> fn);

// Outcomes the updaters leave for the handler (the wrong-type case is Rmw's kWrongType).
enum class ListOutcome : uint8_t {
  kAbsent,      // no list at the key; nothing written
  kDone,        // applied
  kNoMatch,     // LINSERT: no pivot; LREM: nothing removed (nothing written)
  kOutOfRange,  // LSET: no element at the index (nothing written)
  kNotInteger,  // LSET: the index argument is not an integer (reported after the key checks)
};

// LPUSH RPUSH LPUSHX RPUSHX, and the push half of LMOVE: appends `elements` one by one at `end`
// (so LPUSH a b c leaves c first). With `only_if_exists` an absent key stays absent.
struct ListPushUpdater final : storage::RmwFunctions {
  ListPushUpdater(std::span<const std::string_view> elements, ListEnd end, bool only_if_exists)
      : elements(elements), end(end), only_if_exists(only_if_exists) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  std::span<const std::string_view> elements;
  ListEnd end;
  bool only_if_exists;
  ListOutcome outcome = ListOutcome::kAbsent;
  size_t length = 0;  // the list's length afterwards, when kDone

 private:
  void Apply(storage::ListObject& list);
};

// LPOP RPOP (with and without count), LMPOP, the blocking pops and the pop half of LMOVE.
// Pops min(count, length) elements from `end`, in pop order, into `popped`; `single` (a pop
// without COUNT) puts the one element in `value` instead, sparing the vector on the hot path.
struct ListPopUpdater final : storage::RmwFunctions {
  ListPopUpdater(ListEnd end, size_t count, bool single) : end(end), count(count), single(single) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  ListEnd end;
  size_t count;  // REQUIRES: >= 1
  bool single;
  ListOutcome outcome = ListOutcome::kAbsent;
  std::string value;                // when single
  std::vector<std::string> popped;  // otherwise

 private:
  void Apply(storage::ListObject& list);
};

// LSET. The index is parsed by the handler but judged here, after the key and type checks, as
// Redis orders them: outcome kAbsent ("no such key"), kNotInteger, kOutOfRange or kDone.
struct ListSetUpdater final : storage::RmwFunctions {
  ListSetUpdater(int64_t index, bool index_valid, std::string_view element)
      : index(index), index_valid(index_valid), element(element) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  int64_t index;
  bool index_valid;
  std::string_view element;
  ListOutcome outcome = ListOutcome::kAbsent;

 private:
  // Sets the element when it can; returns whether the list changed.
  bool Apply(storage::ListObject& list);
};

// LTRIM: keeps [start, end]. `removed` is the number of elements dropped (Redis's dirty count).
struct ListTrimUpdater final : storage::RmwFunctions {
  ListTrimUpdater(int64_t start, int64_t end) : start(start), end(end) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  int64_t start, end;
  ListOutcome outcome = ListOutcome::kAbsent;
  size_t removed = 0;

 private:
  void Apply(storage::ListObject& list);
};

// LREM: removes up to |count| elements equal to `element` (0: all), from the tail when count < 0.
struct ListRemUpdater final : storage::RmwFunctions {
  ListRemUpdater(int64_t count, std::string_view element) : count(count), element(element) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  int64_t count;
  std::string_view element;
  ListOutcome outcome = ListOutcome::kAbsent;
  size_t removed = 0;

 private:
  void Apply(storage::ListObject& list);
};

// LINSERT: inserts `element` before or after the first element equal to `pivot` (from the head).
// Outcome kDone with the new `length`, kNoMatch (reply -1) or kAbsent (reply 0).
struct ListInsertUpdater final : storage::RmwFunctions {
  ListInsertUpdater(bool after, std::string_view pivot, std::string_view element)
      : after(after), pivot(pivot), element(element) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  bool after;
  std::string_view pivot;
  std::string_view element;
  ListOutcome outcome = ListOutcome::kAbsent;
  size_t length = 0;

 private:
  void Apply(storage::ListObject& list);
};

// LMOVE / RPOPLPUSH (and their blocking forms) with source == destination: moves one element
// from end `from` to end `to` of the same list (a rotation when they differ). `value` is the
// element moved, when kDone.
struct ListRotateUpdater final : storage::RmwFunctions {
  ListRotateUpdater(ListEnd from, ListEnd to) : from(from), to(to) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  ListEnd from, to;
  ListOutcome outcome = ListOutcome::kAbsent;
  std::string value;

 private:
  void Apply(storage::ListObject& list);
};

}  // namespace ferrite::commands
