#pragma once
// JsonValue / ParseJson: a small JSON reader for the registry's generated metadata (one JSON
// object per line). It accepts standard JSON (objects keep their member order; numbers must be
// integers, which is all the metadata holds) and reports the offset of the first error.
//
// Thread safety: values are plain data; ParseJson is reentrant.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace ferrite::server::registry {

struct JsonValue {
  enum class Type : uint8_t { kNull, kBool, kInt, kString, kArray, kObject };

  Type type = Type::kNull;
  bool boolean = false;
  int64_t integer = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;

  // Member of an object, or nullptr (also when this is not an object).
  const JsonValue* Find(std::string_view key) const;
  bool is_string() const { return type == Type::kString; }
  bool is_int() const { return type == Type::kInt; }
  bool is_array() const { return type == Type::kArray; }
  bool is_object() const { return type == Type::kObject; }
};

// Parses one JSON value from `text` (surrounding whitespace allowed, nothing else after it).
Result<JsonValue> ParseJson(std::string_view text);

}  // namespace ferrite::server::registry
