#pragma once
// ListObject: a Redis list as a deque of strings: O(1) pushes and pops at both ends and O(1)
// LINDEX/LSET; inserts and removals in the middle are O(n), as in Redis.
//
// Thread safety: none (see storage/object.h). Invariant: heap_bytes_ is the sum of the
// elements' heap bytes; every mutator below keeps it, so mutate only through them.

#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "storage/object.h"
#include "storage/objects/dense_table.h"

namespace ferrite::storage {

class ListObject final : public StoredObject {
 public:
  using Elements = std::deque<std::string>;

  ValueType type() const override;
  size_t Length() const override { return elements_.size(); }
  size_t MemoryUsage() const override;
  void Serialize(std::string* out) const override;
  std::unique_ptr<StoredObject> Clone() const override;
  static Result<std::unique_ptr<ListObject>> Deserialize(std::string_view bytes);

  size_t size() const { return elements_.size(); }
  bool empty() const { return elements_.empty(); }
  const Elements& elements() const { return elements_; }
  const std::string& At(size_t i) const { return elements_[i]; }

  void PushFront(std::string_view v);
  void PushBack(std::string_view v);
  std::string PopFront();  // REQUIRES: !empty()
  std::string PopBack();   // REQUIRES: !empty()
  void Set(size_t i, std::string_view v);
  void Insert(size_t i, std::string_view v);  // before position i (i == size() appends)
  void Erase(size_t first, size_t last);      // removes [first, last)
  // Moves the element at one end to an end (LMOVE with source == destination) without copying
  // it. REQUIRES: !empty().
  void Rotate(bool from_front, bool to_front);
  // Removes the elements equal to `v`, at most `limit` of them (0: all), scanning from the head
  // or from the tail (LREM). One pass; the survivors keep their order. Returns how many went.
  size_t RemoveMatching(std::string_view v, size_t limit, bool from_tail);

  // OBJECT ENCODING: "listpack" while small, "quicklist" once grown (sticky, as in Redis).
  bool quicklist_encoding = false;

 private:
  Elements elements_;
  size_t heap_bytes_ = 0;
};

}  // namespace ferrite::storage
