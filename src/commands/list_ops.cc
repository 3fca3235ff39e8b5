#include "commands/list_ops.h"

#include <cmath>
#include <memory>

#include "base/string_util.h"
#include "server/client_session.h"
#include "server/command_context.h"

namespace ferrite::commands {

using storage::ListObject;
using storage::MutableRecord;
using storage::RecordBuilder;
using storage::RecordView;
using storage::ValueType;

namespace {

// The list behind an in-place record, or null when the record holds another type.
ListObject* InPlaceList(MutableRecord& rec) {
  if (rec.type != ValueType::kList || rec.object == nullptr) return nullptr;
  return static_cast<ListObject*>(rec.object);
}

// The engine's clone of the old list in CopyUpdate, or null when the old record is not a list.
ListObject* CopiedList(const RecordView& old, RecordBuilder& out) {
  if (old.type != ValueType::kList || out.object == nullptr) return nullptr;
  return static_cast<ListObject*>(out.object.get());
}

// The longest timeout kept as asked: beyond it (about 31 years) a block is as good as forever,
// and the dispatcher's deadline arithmetic stays far from overflowing.
constexpr int64_t kMaxBlockTimeoutMs = 1'000'000'000'000;

}  // namespace

bool ParseListEnd(std::string_view arg, ListEnd* end) {
  if (EqualsIgnoreCase(arg, "left")) {
    *end = ListEnd::kLeft;
  } else if (EqualsIgnoreCase(arg, "right")) {
    *end = ListEnd::kRight;
  } else {
    return false;
  }
  return true;
}

std::string_view ListEncoding(const storage::ListObject&) { return "quicklist"; }

bool ListRangeBounds(int64_t start, int64_t end, size_t length, size_t* from, size_t* count) {
  const int64_t len = static_cast<int64_t>(length);
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  // start >= 0 now, so a still-negative end makes the slice empty here too.
  if (start > end || start >= len) return false;
  if (end >= len) end = len - 1;
  *from = static_cast<size_t>(start);
  *count = static_cast<size_t>(end - start + 1);
  return true;
}

bool ListIndex(int64_t index, size_t length, size_t* at) {
  const int64_t len = static_cast<int64_t>(length);
  if (index < 0) index = len + index;
  if (index < 0 || index >= len) return false;
  *at = static_cast<size_t>(index);
  return true;
}

bool ParseBlockTimeout(std::string_view arg, int64_t* ms, std::string_view* error) {
  long double seconds;
  if (!String2ld(arg, &seconds)) {
    *error = "ERR timeout is not a float or out of range";
    return false;
  }
  const long double millis = std::ceil(seconds * 1000.0L);
  // Redis casts to long long; on x86-64 a value out of range (or infinite) becomes LLONG_MIN,
  // so it reports those as negative, and so does Ferrite, without the undefined behaviour.
  if (!(millis < 9223372036854775807.0L) || millis < -9223372036854775807.0L || millis < 0) {
    *error = "ERR timeout is negative";
    return false;
  }
  *ms = millis > kMaxBlockTimeoutMs ? kMaxBlockTimeoutMs : static_cast<int64_t>(millis);
  return true;
}

Status ReadList(server::CommandContext& ctx, std::string_view key,
                FunctionRef<void(const storage::ListObject&)> fn) {
  bool wrong_type = false;
  Status st = ctx.store.Read(ctx.client.db, key, [&](const RecordView& r) {
    if (r.type != ValueType::kList || r.object == nullptr) {
      wrong_type = true;
      return;
    }
    fn(*static_cast<const ListObject*>(r.object));
  });
  if (st.ok() && wrong_type) return Status::WrongType();
  return st;
}

// ---------------------------------------------------------------------------------------------
// Push

void ListPushUpdater::Apply(ListObject& list) {
  if (end == ListEnd::kLeft) {
    for (std::string_view e : elements) list.PushFront(e);
  } else {
    for (std::string_view e : elements) list.PushBack(e);
  }
  length = list.size();
  outcome = ListOutcome::kDone;
}

Status ListPushUpdater::InitialUpdate(RecordBuilder& out) {
  outcome = ListOutcome::kAbsent;
  if (only_if_exists || elements.empty()) return Status::NotFound();
  auto list = std::make_unique<ListObject>();
  Apply(*list);
  out.type = ValueType::kList;
  out.expire_at_ms = storage::kNoExpiry;
  out.object = std::move(list);
  return Status::Ok();
}

bool ListPushUpdater::InPlaceUpdate(MutableRecord& rec) {
  ListObject* list = InPlaceList(rec);
  if (list == nullptr) return false;
  Apply(*list);
  return true;
}

Status ListPushUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  ListObject* list = CopiedList(old, out);
  if (list == nullptr) return Status::WrongType();
  Apply(*list);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Pop

void ListPopUpdater::Apply(ListObject& list) {
  const bool front = end == ListEnd::kLeft;
  if (single) {
    value = front ? list.PopFront() : list.PopBack();
  } else {
    const size_t n = count < list.size() ? count : list.size();
    popped.clear();
    popped.reserve(n);
    for (size_t i = 0; i < n; ++i) popped.push_back(front ? list.PopFront() : list.PopBack());
  }
  outcome = ListOutcome::kDone;
}

Status ListPopUpdater::InitialUpdate(RecordBuilder&) {
  outcome = ListOutcome::kAbsent;
  return Status::NotFound();
}

bool ListPopUpdater::InPlaceUpdate(MutableRecord& rec) {
  ListObject* list = InPlaceList(rec);
  if (list == nullptr || list->empty()) return false;
  Apply(*list);
  return true;
}

Status ListPopUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  ListObject* list = CopiedList(old, out);
  if (list == nullptr) return Status::WrongType();
  if (list->empty()) {  // never stored, but a corrupt or legacy record must not crash a pop
    outcome = ListOutcome::kAbsent;
    return Status::Aborted();
  }
  Apply(*list);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// LSET

bool ListSetUpdater::Apply(ListObject& list) {
  size_t at;
  if (!index_valid) {
    outcome = ListOutcome::kNotInteger;
  } else if (!ListIndex(index, list.size(), &at)) {
    outcome = ListOutcome::kOutOfRange;
  } else {
    list.Set(at, element);
    outcome = ListOutcome::kDone;
    return true;
  }
  return false;
}

Status ListSetUpdater::InitialUpdate(RecordBuilder&) {
  outcome = ListOutcome::kAbsent;
  return Status::NotFound();
}

bool ListSetUpdater::InPlaceUpdate(MutableRecord& rec) {
  ListObject* list = InPlaceList(rec);
  if (list == nullptr) return false;
  Apply(*list);
  return true;
}

Status ListSetUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  ListObject* list = CopiedList(old, out);
  if (list == nullptr) return Status::WrongType();
  return Apply(*list) ? Status::Ok() : Status::Aborted();
}

// ---------------------------------------------------------------------------------------------
// LTRIM

void ListTrimUpdater::Apply(ListObject& list) {
  const size_t length = list.size();
  size_t from, count;
  if (!ListRangeBounds(start, end, length, &from, &count)) {
    list.Erase(0, length);
    removed = length;
  } else {
    list.Erase(from + count, length);
    list.Erase(0, from);
    removed = length - count;
  }
  outcome = ListOutcome::kDone;
}

Status ListTrimUpdater::InitialUpdate(RecordBuilder&) {
  outcome = ListOutcome::kAbsent;
  removed = 0;
  return Status::NotFound();
}

bool ListTrimUpdater::InPlaceUpdate(MutableRecord& rec) {
  ListObject* list = InPlaceList(rec);
  if (list == nullptr) return false;
  Apply(*list);
  return true;
}

Status ListTrimUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  ListObject* list = CopiedList(old, out);
  if (list == nullptr) return Status::WrongType();
  Apply(*list);
  return removed == 0 ? Status::Aborted() : Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// LREM

void ListRemUpdater::Apply(ListObject& list) {
  const bool from_tail = count < 0;
  // |INT64_MIN| does not fit int64: negate in unsigned arithmetic.
  const uint64_t limit =
      from_tail ? 0 - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);
  removed = list.RemoveMatching(element, static_cast<size_t>(limit), from_tail);
  outcome = removed > 0 ? ListOutcome::kDone : ListOutcome::kNoMatch;
}

Status ListRemUpdater::InitialUpdate(RecordBuilder&) {
  outcome = ListOutcome::kAbsent;
  removed = 0;
  return Status::NotFound();
}

bool ListRemUpdater::InPlaceUpdate(MutableRecord& rec) {
  ListObject* list = InPlaceList(rec);
  if (list == nullptr) return false;
  Apply(*list);
  return true;
}

Status ListRemUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  ListObject* list = CopiedList(old, out);
  if (list == nullptr) return Status::WrongType();
  Apply(*list);
  return removed == 0 ? Status::Aborted() : Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// LINSERT

void ListInsertUpdater::Apply(ListObject& list) {
  const ListObject::Elements& elements = list.elements();
  for (size_t i = 0; i < elements.size(); ++i) {
    if (elements[i] == pivot) {
      list.Insert(after ? i + 1 : i, element);
      length = list.size();
      outcome = ListOutcome::kDone;
      return;
    }
  }
  outcome = ListOutcome::kNoMatch;
}

Status ListInsertUpdater::InitialUpdate(RecordBuilder&) {
  outcome = ListOutcome::kAbsent;
  return Status::NotFound();
}

bool ListInsertUpdater::InPlaceUpdate(MutableRecord& rec) {
  ListObject* list = InPlaceList(rec);
  if (list == nullptr) return false;
  Apply(*list);
  return true;
}

Status ListInsertUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  ListObject* list = CopiedList(old, out);
  if (list == nullptr) return Status::WrongType();
  Apply(*list);
  return outcome == ListOutcome::kDone ? Status::Ok() : Status::Aborted();
}

// ---------------------------------------------------------------------------------------------
// LMOVE with source == destination

void ListRotateUpdater::Apply(ListObject& list) {
  const bool from_front = from == ListEnd::kLeft;
  value = from_front ? list.elements().front() : list.elements().back();
  list.Rotate(from_front, to == ListEnd::kLeft);
  outcome = ListOutcome::kDone;
}

Status ListRotateUpdater::InitialUpdate(RecordBuilder&) {
  outcome = ListOutcome::kAbsent;
  return Status::NotFound();
}

bool ListRotateUpdater::InPlaceUpdate(MutableRecord& rec) {
  ListObject* list = InPlaceList(rec);
  if (list == nullptr || list->empty()) return false;
  Apply(*list);
  return true;
}

Status ListRotateUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  ListObject* list = CopiedList(old, out);
  if (list == nullptr) return Status::WrongType();
  if (list->empty()) {
    outcome = ListOutcome::kAbsent;
    return Status::Aborted();
  }
  Apply(*list);
  // LMOVE k k LEFT LEFT changes nothing: no record to write.
  return from == to ? Status::Aborted() : Status::Ok();
}

}  // namespace ferrite::commands
