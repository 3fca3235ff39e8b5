#include "storage/objects/hash_object.h"

#include "storage/objects/object_codec.h"
#include "storage/store.h"

namespace ferrite::storage {

ValueType HashObject::type() const { return ValueType::kHash; }

void HashObject::Serialize(std::string* out) const {
  PutHeader(out, table_.size());
  for (const auto& e : table_.entries()) {
    PutString(out, e.key);
    PutString(out, e.value);
  }
}

std::unique_ptr<StoredObject> HashObject::Clone() const {
  auto copy = std::make_unique<HashObject>();
  copy->table_.Reserve(table_.size());
  for (const auto& e : table_.entries()) copy->table_.Set(e.key, e.value);
  copy->hashtable_encoding = hashtable_encoding;
  return copy;
}

Result<std::unique_ptr<HashObject>> HashObject::Deserialize(std::string_view bytes) {
  ObjectReader in(bytes);
  uint32_t count;
  if (!in.Header(&count)) return Status::Corruption("hash object: bad header");
  auto hash = std::make_unique<HashObject>();
  hash->table_.Reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view field, value;
    if (!in.String(&field) || !in.String(&value)) return Status::Corruption("hash object: short");
    hash->table_.Set(field, std::string(value));
  }
  if (!in.AtEnd()) return Status::Corruption("hash object: trailing bytes");
  return hash;
}

}  // namespace ferrite::storage
