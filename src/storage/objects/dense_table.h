#pragma once
// DenseTable<V>: a string-keyed hash table whose entries sit densely in one vector. It backs
// hashes (V = std::string), sets (V = NoValue) and sorted sets' member -> score map (V = double).
//
// Why dense: a random entry is one index away (HRANDFIELD, SRANDMEMBER, SPOP, ZRANDMEMBER are
// O(1)), and a cursor over positions survives inserts and erases (HSCAN, SSCAN, ZSCAN).
// `index_` is an absl::flat_hash_set of slots, each a position plus 32 bits of its key's hash,
// looked up with a string_view (heterogeneous lookup), so lookups allocate nothing. Because a
// slot carries its hash, growing the index and inserting into it never read the entries (with a
// large collection, each read of an entry and of its key's heap bytes is a cache miss): only a
// lookup's candidate slots are compared against their entries. Set and Insert probe the index
// once. Erase moves the last entry into the hole: O(1), and positions stay dense.
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
#include <type_traits>
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

  DenseTable() : index_(0, SlotHash{}, SlotEq{&entries_}) {}
  DenseTable(const DenseTable&) = delete;
  DenseTable& operator=(const DenseTable&) = delete;

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::span<const Entry> entries() const { return entries_; }
  const Entry& At(size_t pos) const { return entries_[pos]; }

  const V* Find(std::string_view key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &entries_[PositionOf(*it)].value;
  }
  bool Contains(std::string_view key) const { return index_.contains(key); }

  // Inserts `key` or overwrites its value. Returns true when the key was new.
  bool Set(std::string_view key, V value) {
    auto [entry, inserted] = FindOrAppend(key, value);
    if (inserted) return true;
    heap_bytes_ -= HeapBytes(entry->value);
    entry->value = std::move(value);
    heap_bytes_ += HeapBytes(entry->value);
    return false;
  }

  // Inserts `key` with `value` unless present. Returns the entry's value (the existing one,
  // unchanged, when the key was present) and whether it was inserted. The pointer may be written
  // through (e.g. a sorted set's new score) because V owns no heap bytes, so the accounting holds;
  // it is valid until the next insert or erase.
  std::pair<V*, bool> Insert(std::string_view key,
                             V value) requires std::is_trivially_copyable_v<V> {
    auto [entry, inserted] = FindOrAppend(key, value);
    return {&entry->value, inserted};
  }

  // Removes `key`; returns whether it was present.
  bool Erase(std::string_view key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    uint32_t pos = PositionOf(*it);
    index_.erase(it);
    Entry& hole = entries_[pos];
    heap_bytes_ -= HeapBytes(hole.key) + HeapBytes(hole.value);
    uint32_t last = static_cast<uint32_t>(entries_.size() - 1);
    if (pos != last) {
      // The last entry's slot, found by its key before the entry moves, takes the hole's position.
      auto moved = index_.find(std::string_view(entries_[last].key));
      const uint64_t tag = TagOf(*moved);
      index_.erase(moved);
      hole = std::move(entries_[last]);
      index_.insert(MakeSlot(pos, tag));
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
    return entries_.capacity() * sizeof(Entry) + index_.capacity() * (sizeof(Slot) + 1) +
           heap_bytes_;
  }

 private:
  using Entries = std::vector<Entry>;
  // A slot of the index: the entry's position in the low 32 bits, the high 32 bits of its key's
  // hash (the tag) in the high ones.
  using Slot = uint64_t;
  static uint32_t PositionOf(Slot s) { return static_cast<uint32_t>(s); }
  static uint64_t TagOf(Slot s) { return s >> 32; }
  static Slot MakeSlot(uint32_t pos, uint64_t tag) { return (tag << 32) | pos; }
  static uint64_t TagOfKey(std::string_view key) {
    return absl::Hash<std::string_view>{}(key) >> 32;
  }
  // The index's hash of a tag, spread over 64 bits by an odd multiplier (a bijection), so both
  // absl's 7-bit control hash (low bits) and its probe start (the bits above) vary with it.
  static size_t Spread(uint64_t tag) { return static_cast<size_t>(tag * 0x9E3779B97F4A7C15ull); }

  // A lookup key whose tag is computed once, for a probe that may also insert.
  struct TaggedKey {
    std::string_view key;
    uint64_t tag;
  };

  struct SlotHash {
    using is_transparent = void;
    size_t operator()(Slot s) const { return Spread(TagOf(s)); }
    size_t operator()(std::string_view key) const { return Spread(TagOfKey(key)); }
    size_t operator()(const TaggedKey& k) const { return Spread(k.tag); }
  };
  struct SlotEq {
    using is_transparent = void;
    const Entries* entries;
    bool operator()(Slot a, Slot b) const { return a == b; }
    bool operator()(std::string_view key, Slot s) const {
      return (*entries)[PositionOf(s)].key == key;
    }
    bool operator()(Slot s, std::string_view key) const { return (*this)(key, s); }
    bool operator()(const TaggedKey& k, Slot s) const { return (*this)(k.key, s); }
    bool operator()(Slot s, const TaggedKey& k) const { return (*this)(k.key, s); }
  };

  // One probe: the entry of `key`, or a new one holding `value` appended at the end.
  std::pair<Entry*, bool> FindOrAppend(std::string_view key, V& value) {
    bool inserted = false;
    const uint32_t pos = static_cast<uint32_t>(entries_.size());
    const TaggedKey tagged{key, TagOfKey(key)};
    auto it = index_.lazy_emplace(tagged, [&](const auto& construct) {
      inserted = true;
      construct(MakeSlot(pos, tagged.tag));
    });
    if (!inserted) return {&entries_[PositionOf(*it)], false};
    entries_.push_back(Entry{std::string(key), std::move(value)});
    heap_bytes_ += HeapBytes(entries_.back().key) + HeapBytes(entries_.back().value);
    return {&entries_.back(), true};
  }

  Entries entries_;
  absl::flat_hash_set<Slot, SlotHash, SlotEq> index_;
  size_t heap_bytes_ = 0;
};

}  // namespace ferrite::storage
