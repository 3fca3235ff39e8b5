#pragma once
// StoredObject: the in-memory form of a collection value (hash, list, set, sorted set).
//
// Strings live in the HybridLog as bytes. Collections live there too, as records whose value is
// an owned pointer to a StoredObject while the record is in memory (Garnet's object log): updates
// in the mutable region change the object in place; a copy-update clones it; when the record's
// page is flushed, the object is serialised (Serialize) into the on-disk form, and a read from
// disk rebuilds it (DeserializeObject) at the tail. docs/design/collections.md has the details.
//
// Thread safety: an object is owned by exactly one log record. The server's key locks make the
// commands on one key run one at a time, so an object is never read and written concurrently by
// commands. Objects in records below the mutable region are immutable (the flusher may be
// serialising them), which is why copy-updates clone.
//
// Invariants: MemoryUsage() is kept current by every mutator, because the engine charges it
// against storage.max_memory. A collection never exists empty: the command that removes its last
// element deletes the key.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace ferrite::storage {

enum class ValueType : uint8_t;

class StoredObject {
 public:
  virtual ~StoredObject() = default;

  virtual ValueType type() const = 0;
  // Number of elements (fields, members, list entries).
  virtual size_t Length() const = 0;
  // Approximate heap bytes held by the object, including its own size.
  virtual size_t MemoryUsage() const = 0;
  // Appends the serialised form to `out`. DeserializeObject(type(), bytes) rebuilds an equal
  // object. The format is part of the on-disk format: extend it only compatibly.
  virtual void Serialize(std::string* out) const = 0;
  virtual std::unique_ptr<StoredObject> Clone() const = 0;
};

// Rebuilds an object serialised by StoredObject::Serialize. Corruption on malformed bytes or a
// type that is not a collection. Defined in storage/objects/object_codec.cc.
Result<std::unique_ptr<StoredObject>> DeserializeObject(ValueType type, std::string_view bytes);

// True for the types whose records carry a StoredObject rather than bytes.
bool IsObjectType(ValueType type) noexcept;

}  // namespace ferrite::storage
