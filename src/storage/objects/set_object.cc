#include "storage/objects/set_object.h"

#include "storage/objects/object_codec.h"
#include "storage/store.h"

namespace ferrite::storage {

ValueType SetObject::type() const { return ValueType::kSet; }

void SetObject::Serialize(std::string* out) const {
  PutHeader(out, table_.size());
  for (const auto& e : table_.entries()) PutString(out, e.key);
}

std::unique_ptr<StoredObject> SetObject::Clone() const {
  auto copy = std::make_unique<SetObject>();
  copy->table_.Reserve(table_.size());
  for (const auto& e : table_.entries()) copy->table_.Set(e.key, NoValue{});
  copy->hashtable_encoding = hashtable_encoding;
  return copy;
}

Result<std::unique_ptr<SetObject>> SetObject::Deserialize(std::string_view bytes) {
  ObjectReader in(bytes);
  uint32_t count;
  if (!in.Header(&count)) return Status::Corruption("set object: bad header");
  auto set = std::make_unique<SetObject>();
  set->table_.Reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view member;
    if (!in.String(&member)) return Status::Corruption("set object: short");
    set->table_.Set(member, NoValue{});
  }
  if (!in.AtEnd()) return Status::Corruption("set object: trailing bytes");
  return set;
}

}  // namespace ferrite::storage
