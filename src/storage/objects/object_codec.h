#pragma once
// Helpers for the objects' serialised forms (StoredObject::Serialize / DeserializeObject).
//
// Every form starts with a one-byte format version, then a u32 element count, then the elements:
// strings as u32 length + bytes, scores as the 8 bytes of an IEEE-754 double. Integers are
// little-endian (the only byte order Ferrite runs on; the static_assert keeps it honest).
// ObjectReader checks every length against the remaining bytes, so corrupt input gives
// Corruption, never a read out of bounds.
//
// Thread safety: plain functions and a value type.

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ferrite::storage {

static_assert(std::endian::native == std::endian::little, "object formats are little-endian");

inline constexpr uint8_t kObjectFormatVersion = 1;

inline void PutU32(std::string* out, uint32_t v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}
inline void PutString(std::string* out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}
inline void PutDouble(std::string* out, double d) {
  out->append(reinterpret_cast<const char*>(&d), sizeof d);
}
// Writes the version byte and the element count.
inline void PutHeader(std::string* out, size_t count) {
  out->push_back(static_cast<char>(kObjectFormatVersion));
  PutU32(out, static_cast<uint32_t>(count));
}

class ObjectReader {
 public:
  explicit ObjectReader(std::string_view bytes) : rest_(bytes) {}

  // Reads the version byte and the element count; false on an unknown version or short input.
  bool Header(uint32_t* count) {
    if (rest_.empty() || static_cast<uint8_t>(rest_[0]) != kObjectFormatVersion) return false;
    rest_.remove_prefix(1);
    // Each element takes at least 4 bytes, which bounds the count a corrupt header can claim.
    return U32(count) && *count <= rest_.size() / 4;
  }
  bool U32(uint32_t* v) { return Raw(v, sizeof *v); }
  bool Double(double* d) { return Raw(d, sizeof *d); }
  bool String(std::string_view* s) {
    uint32_t n;
    if (!U32(&n) || n > rest_.size()) return false;
    *s = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }
  bool AtEnd() const { return rest_.empty(); }

 private:
  bool Raw(void* p, size_t n) {
    if (rest_.size() < n) return false;
    std::memcpy(p, rest_.data(), n);
    rest_.remove_prefix(n);
    return true;
  }
  std::string_view rest_;
};

}  // namespace ferrite::storage
