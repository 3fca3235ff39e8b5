#include "commands/digest.h"

#include <xxhash.h>

#include <cstring>

#include "storage/objects/hash_object.h"
#include "storage/objects/list_object.h"
#include "storage/objects/set_object.h"
#include "storage/objects/zset_object.h"

namespace ferrite::commands {
namespace {

Digest Hash(const void* data, size_t len) {
  Digest out;
  XXH128_hash_t h = XXH3_128bits(data, len);
  std::memcpy(out.data(), &h.low64, 8);
  std::memcpy(out.data() + 8, &h.high64, 8);
  uint32_t extra = static_cast<uint32_t>(XXH3_64bits_withSeed(data, len, 0x9e3779b97f4a7c15ULL));
  std::memcpy(out.data() + 16, &extra, 4);
  return out;
}

void XorData(Digest* d, const void* data, size_t len) { XorInto(d, Hash(data, len)); }

// digest = H(digest xor H(data)): order-sensitive.
void Mix(Digest* d, const void* data, size_t len) {
  XorData(d, data, len);
  *d = Hash(d->data(), d->size());
}

void Mix(Digest* d, std::string_view s) { Mix(d, s.data(), s.size()); }

// A score's bytes: the shortest text that reads back as the same double (%.17g), so equal
// scores give equal digests.
void MixScore(Digest* d, double score) {
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%.17g", score);
  Mix(d, buf, static_cast<size_t>(n));
}

}  // namespace

void XorInto(Digest* dataset, const Digest& key_digest) {
  for (size_t i = 0; i < dataset->size(); ++i) (*dataset)[i] ^= key_digest[i];
}

void MixDatabase(Digest* dataset, storage::DbIndex db) {
  uint32_t aux = static_cast<uint32_t>(db);
  Mix(dataset, &aux, sizeof aux);
}

Digest ValueDigest(const storage::RecordView& record) {
  Digest d{};
  const uint32_t type = static_cast<uint32_t>(record.type);
  Mix(&d, &type, sizeof type);
  const storage::StoredObject* object = record.object;
  switch (record.type) {
    case storage::ValueType::kString:
      Mix(&d, record.value);
      break;
    case storage::ValueType::kList:
      if (object == nullptr) break;
      for (const std::string& e : static_cast<const storage::ListObject*>(object)->elements()) {
        Mix(&d, e);
      }
      break;
    case storage::ValueType::kSet:
      if (object == nullptr) break;
      for (const auto& e : static_cast<const storage::SetObject*>(object)->table().entries()) {
        XorData(&d, e.key.data(), e.key.size());
      }
      break;
    case storage::ValueType::kZSet:
      if (object == nullptr) break;
      for (const auto& e : static_cast<const storage::ZSetObject*>(object)->scores().entries()) {
        Digest element{};
        Mix(&element, e.key);
        MixScore(&element, e.value);
        XorInto(&d, element);
      }
      break;
    case storage::ValueType::kHash:
      if (object == nullptr) break;
      for (const auto& e : static_cast<const storage::HashObject*>(object)->table().entries()) {
        Digest element{};
        Mix(&element, e.key);
        Mix(&element, e.value);
        XorInto(&d, element);
      }
      break;
    case storage::ValueType::kStream:
      Mix(&d, record.value);
      break;
  }
  if (record.expire_at_ms != storage::kNoExpiry) XorData(&d, "!!expire!!", 10);
  return d;
}

Digest KeyDigest(std::string_view key, const storage::RecordView& record) {
  Digest d{};
  Mix(&d, key);
  Digest value = ValueDigest(record);
  // Redis mixes the value into the key's digest; combining by hash keeps it order-sensitive.
  Mix(&d, value.data(), value.size());
  return d;
}

std::string DigestHex(const Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(40);
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace ferrite::commands
