#pragma once
// HashObject: a Redis hash (field -> value) as a DenseTable.
//
// Thread safety: none (see storage/object.h). Invariant: MemoryUsage() is exact for the table;
// mutate only through table(), whose mutators keep the accounting.

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "storage/object.h"
#include "storage/objects/dense_table.h"

namespace ferrite::storage {

class HashObject final : public StoredObject {
 public:
  using Table = DenseTable<std::string>;

  ValueType type() const override;
  size_t Length() const override { return table_.size(); }
  size_t MemoryUsage() const override { return sizeof(*this) + table_.MemoryUsage(); }
  void Serialize(std::string* out) const override;
  std::unique_ptr<StoredObject> Clone() const override;
  static Result<std::unique_ptr<HashObject>> Deserialize(std::string_view bytes);

  Table& table() { return table_; }
  const Table& table() const { return table_; }

  // OBJECT ENCODING: Redis converts a listpack hash to a hashtable once it grows past
  // hash-max-listpack-entries/-value and never converts back; families set this then.
  bool hashtable_encoding = false;

 private:
  Table table_;
};

}  // namespace ferrite::storage
