#pragma once
// SetObject: a Redis set as a DenseTable of members.
//
// Thread safety: none (see storage/object.h). Mutate only through table().

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "storage/object.h"
#include "storage/objects/dense_table.h"

namespace ferrite::storage {

class SetObject final : public StoredObject {
 public:
  using Table = DenseTable<NoValue>;

  ValueType type() const override;
  size_t Length() const override { return table_.size(); }
  size_t MemoryUsage() const override { return sizeof(*this) + table_.MemoryUsage(); }
  void Serialize(std::string* out) const override;
  std::unique_ptr<StoredObject> Clone() const override;
  static Result<std::unique_ptr<SetObject>> Deserialize(std::string_view bytes);

  Table& table() { return table_; }
  const Table& table() const { return table_; }

  // OBJECT ENCODING: "intset" while every member is an integer and the set is small, then
  // "hashtable" for good (Redis never converts back); families set this on conversion.
  bool hashtable_encoding = false;

 private:
  Table table_;
};

}  // namespace ferrite::storage
