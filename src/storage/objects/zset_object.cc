#include "storage/objects/zset_object.h"

#include <cmath>

#include "storage/objects/object_codec.h"
#include "storage/store.h"

namespace ferrite::storage {
namespace {
// A red-black tree node: three pointers, colour, the order-statistics count, and the item.
constexpr size_t kTreeNodeBytes = 4 * sizeof(void*) + sizeof(size_t) + sizeof(ZSetObject::Item);
}  // namespace

ValueType ZSetObject::type() const { return ValueType::kZSet; }

size_t ZSetObject::MemoryUsage() const {
  return sizeof(*this) + scores_.MemoryUsage() + ordered_.size() * kTreeNodeBytes +
         tree_heap_bytes_;
}

bool ZSetObject::Add(std::string_view member, double score) {
  if (const double* old = scores_.Find(member)) {
    if (*old == score) return false;
    auto it = ordered_.find(Item{*old, std::string(member)});
    Item item = *it;  // reuse the member's string
    ordered_.erase(it);
    item.first = score;
    ordered_.insert(std::move(item));
    scores_.Set(member, score);
    return false;
  }
  scores_.Set(member, score);
  auto [it, inserted] = ordered_.insert(Item{score, std::string(member)});
  tree_heap_bytes_ += HeapBytes(it->second);
  return true;
}

bool ZSetObject::Erase(std::string_view member) {
  const double* score = scores_.Find(member);
  if (score == nullptr) return false;
  auto it = ordered_.find(Item{*score, std::string(member)});
  tree_heap_bytes_ -= HeapBytes(it->second);
  ordered_.erase(it);
  scores_.Erase(member);
  return true;
}

size_t ZSetObject::EraseRanks(size_t from, size_t to) {
  if (from >= to) return 0;
  auto it = ordered_.find_by_order(from);
  for (size_t n = from; n < to; ++n) {
    auto next = it;
    ++next;
    tree_heap_bytes_ -= HeapBytes(it->second);
    scores_.Erase(it->second);
    ordered_.erase(it);
    it = next;
  }
  return to - from;
}

size_t ZSetObject::Rank(std::string_view member, double score) const {
  return ordered_.order_of_key(Item{score, std::string(member)});
}

void ZSetObject::Serialize(std::string* out) const {
  PutHeader(out, ordered_.size());
  for (const Item& item : ordered_) {
    PutString(out, item.second);
    PutDouble(out, item.first);
  }
}

std::unique_ptr<StoredObject> ZSetObject::Clone() const {
  auto copy = std::make_unique<ZSetObject>();
  copy->scores_.Reserve(scores_.size());
  for (const Item& item : ordered_) copy->Add(item.second, item.first);
  copy->skiplist_encoding = skiplist_encoding;
  return copy;
}

Result<std::unique_ptr<ZSetObject>> ZSetObject::Deserialize(std::string_view bytes) {
  ObjectReader in(bytes);
  uint32_t count;
  if (!in.Header(&count)) return Status::Corruption("zset object: bad header");
  auto zset = std::make_unique<ZSetObject>();
  zset->scores_.Reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view member;
    double score;
    if (!in.String(&member) || !in.Double(&score) || std::isnan(score)) {
      return Status::Corruption("zset object: short or NaN score");
    }
    zset->Add(member, score);
  }
  if (!in.AtEnd()) return Status::Corruption("zset object: trailing bytes");
  return zset;
}

}  // namespace ferrite::storage
