#pragma once
// DenseTable<V>: a string-keyed hash table whose entries sit densely in one vector. It backs
// hashes (V = std::string), sets (V = NoValue) and sorted sets' member -> score map (V = double).
//
// Why dense: a random entry is one index away (HRANDFIELD, SRANDMEMBER, SPOP, ZRANDMEMBER are
// O(1)), and a cursor over positions survives inserts and erases (HSCAN, SSCAN, ZSCAN).
// `index_` is an absl::flat_hash_set of positions hashed by their entry's key, looked up with a
// string_view (heterogeneous lookup), so lookups allocate nothing. Erase moves the last entry
// into the hole: O(1), and positions stay dense.
//
// Scan guarantee: Scan visits positions from high to low. Visited positions are [cursor, size).
// Erase only ever moves the last entry, which (while anything unvisited remains) is in the
// visited part, into a hole: an element present for the whole scan is therefore either visited
// where it stood or moved to a lower, not yet visited position, and returned at least once, as
// Redis's SCAN promises. Elements added during the scan land at the end and may be skipped.
//
// Memory: MemoryUsage() is maintained exactly for the vector and index capacities and the heap
// bytes of keys and string values, so the engine can charge collections against max_memory.
//
// Thread safety: none; the owning object is protected by the server's key locks. Not copyable or
// movable, because the index's hasher points at the owning table's entry vector.

#include <absl/container/flat_hash_set.h>
#include <absl/hash/hash.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/function_ref.h"

namespace ferrite::storage {

struct NoValue {};

// Heap bytes a value owns beyond its inline size (std::string's small-string buffer is inline).
inline size_t HeapBytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }
inline size_t HeapBytes(double) { return 0; }
inline size_t HeapBytes(NoValue) { return 0; }

template <typename V>
class DenseTable {
 public:
  struct Entry {
    std::string key;
    [[no_unique_address]] V value;
  };

  DenseTable() : index_(0, PositionHash{&entries_}, PositionEq{&entries_}) {}
  DenseTable(const DenseTable&) = delete;
  DenseTable& operator=(const DenseTable&) = delete;

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::span<const Entry> entries() const { return entries_; }
  const Entry& At(size_t pos) const { return entries_[pos]; }

  const V* Find(std::string_view key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &entries_[*it].value;
  }
  bool Contains(std::string_view key) const { return index_.contains(key); }

  // Inserts `key` or overwrites its value. Returns true when the key was new.
  bool Set(std::string_view key, V value) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      Entry& e = entries_[*it];
      heap_bytes_ -= HeapBytes(e.value);
      e.value = std::move(value);
      heap_bytes_ += HeapBytes(e.value);
      return false;
    }
    entries_.push_back(Entry{std::string(key), std::move(value)});
    heap_bytes_ += HeapBytes(entries_.back().key) + HeapBytes(entries_.back().value);
    index_.insert(static_cast<uint32_t>(entries_.size() - 1));
    return true;
  }

  // Removes `key`; returns whether it was present.
  bool Erase(std::string_view key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    uint32_t pos = *it;
    index_.erase(it);
    Entry& hole = entries_[pos];
    heap_bytes_ -= HeapBytes(hole.key) + HeapBytes(hole.value);
    uint32_t last = static_cast<uint32_t>(entries_.size() - 1);
    if (pos != last) {
      index_.erase(last);  // hashed by the last entry's key, before it moves
      hole = std::move(entries_[last]);
      index_.insert(pos);
    }
    entries_.pop_back();
    return true;
  }

  // Visits up to `count` entries from `cursor` (0 = start) and returns the next cursor, 0 when
  // the scan is complete. See the file comment for the guarantee.
  uint64_t Scan(uint64_t cursor, size_t count, FunctionRef<void(const Entry&)> fn) const {
    if (entries_.empty()) return 0;
    uint64_t pos =
        cursor == 0 ? entries_.size() - 1 : std::min<uint64_t>(cursor - 1, entries_.size() - 1);
    for (size_t n = 0; n < std::max<size_t>(count, 1); ++n) {
      fn(entries_[pos]);
      if (pos == 0) return 0;
      --pos;
    }
    return pos + 1;
  }

  void Reserve(size_t n) {
    entries_.reserve(n);
    index_.reserve(n);
  }

  size_t MemoryUsage() const {
    return entries_.capacity() * sizeof(Entry) + index_.capacity() * (sizeof(uint32_t) + 1) +
           heap_bytes_;
  }

 private:
  using Entries = std::vector<Entry>;
  struct PositionHash {
    using is_transparent = void;
    const Entries* entries;
    size_t operator()(uint32_t pos) const { return (*this)(std::string_view((*entries)[pos].key)); }
    size_t operator()(std::string_view key) const { return absl::Hash<std::string_view>{}(key); }
  };
  struct PositionEq {
    using is_transparent = void;
    const Entries* entries;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(std::string_view key, uint32_t pos) const { return (*entries)[pos].key == key; }
    bool operator()(uint32_t pos, std::string_view key) const { return (*entries)[pos].key == key; }
  };

  Entries entries_;
  absl::flat_hash_set<uint32_t, PositionHash, PositionEq> index_;
  size_t heap_bytes_ = 0;
};

}  // namespace ferrite::storage
