#pragma once
// ZSetObject: a Redis sorted set: member -> score in a DenseTable (O(1) ZSCORE, random members,
// a stable ZSCAN cursor) plus an order-statistics red-black tree of (score, member) from
// libstdc++'s policy-based data structures (O(log n) rank, range by rank, score and lex), in
// place of Redis's skiplist.
//
// Thread safety: none (see storage/object.h). Invariants: the table and the tree hold the same
// members with the same scores; scores are never NaN. Mutate only through Add/Erase.

#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"
#include "storage/object.h"
#include "storage/objects/dense_table.h"

namespace ferrite::storage {

class ZSetObject final : public StoredObject {
 public:
  using Scores = DenseTable<double>;
  using Item = std::pair<double, std::string>;
  // Ordered by score, then member bytes: Redis's order for ties.
  using Ordered =
      __gnu_pbds::tree<Item, __gnu_pbds::null_type, std::less<Item>, __gnu_pbds::rb_tree_tag,
                       __gnu_pbds::tree_order_statistics_node_update>;

  ValueType type() const override;
  size_t Length() const override { return scores_.size(); }
  size_t MemoryUsage() const override;
  void Serialize(std::string* out) const override;
  std::unique_ptr<StoredObject> Clone() const override;
  static Result<std::unique_ptr<ZSetObject>> Deserialize(std::string_view bytes);

  size_t size() const { return scores_.size(); }
  const double* Score(std::string_view member) const { return scores_.Find(member); }
  // Adds `member` or moves it to `score`. Returns true when the member was new; otherwise, with
  // `old_score`, stores the score it had. One probe of the member table either way.
  bool Add(std::string_view member, double score, double* old_score = nullptr);
  bool Erase(std::string_view member);
  // Removes the members of ascending ranks [from, to) in one pass over the tree (ZREMRANGEBY*,
  // ZPOPMIN/ZPOPMAX). Returns how many were removed. REQUIRES: from <= to <= size().
  size_t EraseRanks(size_t from, size_t to);
  // Sizes the member table for `n` members (store destinations built in one go).
  void Reserve(size_t n) { scores_.Reserve(n); }
  // 0-based rank in ascending order. REQUIRES: the member is present with `score`.
  size_t Rank(std::string_view member, double score) const;
  // The item at ascending rank `rank`. REQUIRES: rank < size().
  const Item& ByRank(size_t rank) const { return *ordered_.find_by_order(rank); }

  const Scores& scores() const { return scores_; }
  const Ordered& ordered() const { return ordered_; }

  // OBJECT ENCODING: "listpack" while small, "skiplist" once grown (sticky, as in Redis).
  bool skiplist_encoding = false;

 private:
  Scores scores_;
  Ordered ordered_;
  size_t tree_heap_bytes_ = 0;  // heap bytes of the members copied into the tree
};

}  // namespace ferrite::storage
