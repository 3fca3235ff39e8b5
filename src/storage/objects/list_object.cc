#include "storage/objects/list_object.h"

#include "storage/objects/object_codec.h"
#include "storage/store.h"

namespace ferrite::storage {

ValueType ListObject::type() const { return ValueType::kList; }

size_t ListObject::MemoryUsage() const {
  // std::deque keeps elements in 512-byte blocks (16 strings) plus a map of block pointers.
  size_t blocks = elements_.size() / 16 + 1;
  return sizeof(*this) + blocks * (512 + sizeof(void*)) + heap_bytes_;
}

void ListObject::PushFront(std::string_view v) {
  elements_.emplace_front(v);
  heap_bytes_ += HeapBytes(elements_.front());
}

void ListObject::PushBack(std::string_view v) {
  elements_.emplace_back(v);
  heap_bytes_ += HeapBytes(elements_.back());
}

std::string ListObject::PopFront() {
  std::string v = std::move(elements_.front());
  elements_.pop_front();
  heap_bytes_ -= HeapBytes(v);
  return v;
}

std::string ListObject::PopBack() {
  std::string v = std::move(elements_.back());
  elements_.pop_back();
  heap_bytes_ -= HeapBytes(v);
  return v;
}

void ListObject::Set(size_t i, std::string_view v) {
  heap_bytes_ -= HeapBytes(elements_[i]);
  elements_[i].assign(v);
  heap_bytes_ += HeapBytes(elements_[i]);
}

void ListObject::Insert(size_t i, std::string_view v) {
  auto it = elements_.emplace(elements_.begin() + static_cast<ptrdiff_t>(i), v);
  heap_bytes_ += HeapBytes(*it);
}

void ListObject::Erase(size_t first, size_t last) {
  auto begin = elements_.begin() + static_cast<ptrdiff_t>(first);
  auto end = elements_.begin() + static_cast<ptrdiff_t>(last);
  for (auto it = begin; it != end; ++it) heap_bytes_ -= HeapBytes(*it);
  elements_.erase(begin, end);
}

void ListObject::Rotate(bool from_front, bool to_front) {
  if (from_front == to_front) return;
  // A moved string keeps its buffer, so heap_bytes_ is unchanged.
  if (from_front) {
    elements_.push_back(std::move(elements_.front()));
    elements_.pop_front();
  } else {
    elements_.push_front(std::move(elements_.back()));
    elements_.pop_back();
  }
}

namespace {

// Compacts [first, last) by swapping survivors forward, so every string keeps its own buffer and
// the heap accounting stays exact; returns the end of the survivors (the removed ones follow it).
template <typename It>
It CompactMatching(It first, It last, std::string_view v, size_t limit, size_t* removed,
                   size_t* removed_heap) {
  It out = first;
  for (It it = first; it != last; ++it) {
    if ((limit == 0 || *removed < limit) && *it == v) {
      ++*removed;
      *removed_heap += HeapBytes(*it);
      continue;
    }
    if (out != it) out->swap(*it);
    ++out;
  }
  return out;
}

}  // namespace

size_t ListObject::RemoveMatching(std::string_view v, size_t limit, bool from_tail) {
  size_t removed = 0, removed_heap = 0;
  if (from_tail) {
    auto end =
        CompactMatching(elements_.rbegin(), elements_.rend(), v, limit, &removed, &removed_heap);
    elements_.erase(elements_.begin(), end.base());
  } else {
    auto end =
        CompactMatching(elements_.begin(), elements_.end(), v, limit, &removed, &removed_heap);
    elements_.erase(end, elements_.end());
  }
  heap_bytes_ -= removed_heap;
  return removed;
}

void ListObject::Serialize(std::string* out) const {
  PutHeader(out, elements_.size());
  for (const std::string& e : elements_) PutString(out, e);
}

std::unique_ptr<StoredObject> ListObject::Clone() const {
  auto copy = std::make_unique<ListObject>();
  copy->elements_ = elements_;
  copy->heap_bytes_ = heap_bytes_;
  copy->quicklist_encoding = quicklist_encoding;
  return copy;
}

Result<std::unique_ptr<ListObject>> ListObject::Deserialize(std::string_view bytes) {
  ObjectReader in(bytes);
  uint32_t count;
  if (!in.Header(&count)) return Status::Corruption("list object: bad header");
  auto list = std::make_unique<ListObject>();
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view e;
    if (!in.String(&e)) return Status::Corruption("list object: short");
    list->PushBack(e);
  }
  if (!in.AtEnd()) return Status::Corruption("list object: trailing bytes");
  return list;
}

}  // namespace ferrite::storage
