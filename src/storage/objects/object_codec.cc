#include "storage/objects/object_codec.h"

#include "storage/objects/hash_object.h"
#include "storage/objects/list_object.h"
#include "storage/objects/set_object.h"
#include "storage/objects/zset_object.h"
#include "storage/store.h"

namespace ferrite::storage {
namespace {
template <typename T>
Result<std::unique_ptr<StoredObject>> Upcast(Result<std::unique_ptr<T>> r) {
  if (!r.has_value()) return std::move(r).error();
  return std::unique_ptr<StoredObject>(std::move(r).value());
}
}  // namespace

bool IsObjectType(ValueType type) noexcept {
  switch (type) {
    case ValueType::kHash:
    case ValueType::kList:
    case ValueType::kSet:
    case ValueType::kZSet:
      return true;
    default:
      return false;
  }
}

Result<std::unique_ptr<StoredObject>> DeserializeObject(ValueType type, std::string_view bytes) {
  switch (type) {
    case ValueType::kHash:
      return Upcast(HashObject::Deserialize(bytes));
    case ValueType::kList:
      return Upcast(ListObject::Deserialize(bytes));
    case ValueType::kSet:
      return Upcast(SetObject::Deserialize(bytes));
    case ValueType::kZSet:
      return Upcast(ZSetObject::Deserialize(bytes));
    default:
      return Status::Corruption("not a collection type");
  }
}

}  // namespace ferrite::storage
