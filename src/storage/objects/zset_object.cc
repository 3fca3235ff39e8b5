#include "storage/objects/zset_object.h"

#include <cmath>

#include "storage/objects/object_codec.h"
#include "storage/store.h"

namespace ferrite::storage {
namespace {
// A red-black tree node: three pointers, colour, the order-statistics count, and the item.
constexpr size_t kTreeNodeBytes = 4 * sizeof(void*) + sizeof(size_t) + sizeof(ZSetObject::Item);

// The tree looks items up by value (no heterogeneous lookup), so a search needs an Item: this
// per-thread one keeps its string's buffer, so finding a member allocates nothing once warm.
// Valid until the calling thread's next call.
const ZSetObject::Item& Probe(double score, std::string_view member) {
  thread_local ZSetObject::Item probe;
  probe.first = score;
  probe.second.assign(member);
  return probe;
}
}  // namespace

ValueType ZSetObject::type() const { return ValueType::kZSet; }

size_t ZSetObject::MemoryUsage() const {
  return sizeof(*this) + scores_.MemoryUsage() + ordered_.size() * kTreeNodeBytes +
         tree_heap_bytes_;
}

bool ZSetObject::Add(std::string_view member, double score, double* old_score) {
  auto [stored, inserted] = scores_.Insert(member, score);
  if (inserted) {
    auto it = ordered_.insert(Probe(score, member)).first;
    tree_heap_bytes_ += HeapBytes(it->second);
    return true;
  }
  const double old = *stored;
  if (old_score != nullptr) *old_score = old;
  if (old == score) return false;
  *stored = score;
  auto it = ordered_.find(Probe(old, member));
  tree_heap_bytes_ -= HeapBytes(it->second);
  ordered_.erase(it);
  auto moved = ordered_.insert(Probe(score, member)).first;
  tree_heap_bytes_ += HeapBytes(moved->second);
  return false;
}

bool ZSetObject::Erase(std::string_view member) {
  const double* score = scores_.Find(member);
  if (score == nullptr) return false;
  auto it = ordered_.find(Probe(*score, member));
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
  return ordered_.order_of_key(Probe(score, member));
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
