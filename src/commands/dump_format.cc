#include "commands/dump_format.h"

#include <array>
#include <cmath>
#include <cstring>

#include "base/string_util.h"
#include "storage/objects/hash_object.h"
#include "storage/objects/list_object.h"
#include "storage/objects/set_object.h"
#include "storage/objects/zset_object.h"

namespace ferrite::commands {
namespace {

using storage::ValueType;

// RDB type bytes (Redis's rdb.h); part of the exchange format.
enum RdbType : uint8_t {
  kRdbString = 0,
  kRdbList = 1,
  kRdbSet = 2,
  kRdbZSet = 3,
  kRdbHash = 4,
  kRdbZSet2 = 5,
  kRdbSetIntset = 11,
  kRdbHashListpack = 16,
  kRdbZSetListpack = 17,
  kRdbListQuicklist2 = 18,
};

constexpr std::array<uint64_t, 256> MakeCrcTable() {
  std::array<uint64_t, 256> t{};
  constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ull;  // 0xad93d23594c935a9 reflected
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kReflectedPoly : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint64_t, 256> kCrcTable = MakeCrcTable();

// ---- Encoding --------------------------------------------------------------------------------

void PutLength(std::string* out, uint64_t len) {
  if (len < 64) {
    out->push_back(static_cast<char>(len));
  } else if (len < 16384) {
    out->push_back(static_cast<char>(0x40 | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else {
    const bool wide = len > UINT32_MAX;
    out->push_back(static_cast<char>(wide ? 0x81 : 0x80));
    for (int shift = wide ? 56 : 24; shift >= 0; shift -= 8) {
      out->push_back(static_cast<char>((len >> shift) & 0xff));
    }
  }
}

void PutLittle(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PutString(std::string* out, std::string_view s) {
  int64_t n;
  if (s.size() <= 11 && String2ll(s, &n) && n >= INT32_MIN && n <= INT32_MAX) {
    // Redis's rdbTryIntegerEncoding: String2ll accepts only the canonical form, so the
    // string reads back byte for byte.
    if (n >= INT8_MIN && n <= INT8_MAX) {
      out->push_back(static_cast<char>(0xC0));
      PutLittle(out, static_cast<uint64_t>(n), 1);
    } else if (n >= INT16_MIN && n <= INT16_MAX) {
      out->push_back(static_cast<char>(0xC1));
      PutLittle(out, static_cast<uint64_t>(n), 2);
    } else {
      out->push_back(static_cast<char>(0xC2));
      PutLittle(out, static_cast<uint64_t>(n), 4);
    }
    return;
  }
  PutLength(out, s.size());
  out->append(s);
}

// ---- Decoding --------------------------------------------------------------------------------

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool AtEnd() const { return in_.empty(); }

  bool Bytes(size_t n, std::string_view* out) {
    if (in_.size() < n) return false;
    *out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool Byte(uint8_t* b) {
    std::string_view v;
    if (!Bytes(1, &v)) return false;
    *b = static_cast<uint8_t>(v[0]);
    return true;
  }
  bool Little(int bytes, uint64_t* v) {
    std::string_view raw;
    if (!Bytes(static_cast<size_t>(bytes), &raw)) return false;
    *v = 0;
    for (int i = bytes - 1; i >= 0; --i) *v = (*v << 8) | static_cast<uint8_t>(raw[i]);
    return true;
  }
  // An RDB length; `*special` is set (with the 6-bit code in *len) for the 11xxxxxx forms.
  bool Length(uint64_t* len, bool* special) {
    uint8_t b;
    if (!Byte(&b)) return false;
    *special = false;
    switch (b >> 6) {
      case 0:
        *len = b & 0x3f;
        return true;
      case 1: {
        uint8_t lo;
        if (!Byte(&lo)) return false;
        *len = (uint64_t{b & 0x3fu} << 8) | lo;
        return true;
      }
      case 2: {
        if (b != 0x80 && b != 0x81) return false;
        std::string_view raw;
        if (!Bytes(b == 0x80 ? 4 : 8, &raw)) return false;
        *len = 0;
        for (char c : raw) *len = (*len << 8) | static_cast<uint8_t>(c);
        return true;
      }
      default:
        *special = true;
        *len = b & 0x3f;
        return true;
    }
  }
  bool PlainLength(uint64_t* len) {
    bool special;
    return Length(len, &special) && !special;
  }
  bool String(std::string* out) {
    uint64_t len;
    bool special;
    if (!Length(&len, &special)) return false;
    if (!special) {
      std::string_view raw;
      if (!Bytes(len, &raw)) return false;
      out->assign(raw);
      return true;
    }
    if (len <= 2) {  // INT8 / INT16 / INT32, little-endian, signed
      const int bytes = 1 << len;
      uint64_t u;
      if (!Little(bytes, &u)) return false;
      int64_t v = static_cast<int64_t>(u << (64 - 8 * bytes)) >> (64 - 8 * bytes);
      *out = Ll2String(v);
      return true;
    }
    if (len == 3) return Lzf(out);
    return false;
  }

 private:
  // LZF: compressed length, uncompressed length, then the compressed bytes.
  bool Lzf(std::string* out) {
    uint64_t clen, ulen;
    std::string_view in;
    if (!PlainLength(&clen) || !PlainLength(&ulen) || !Bytes(clen, &in)) return false;
    if (ulen > (uint64_t{512} << 20)) return false;
    out->clear();
    out->reserve(ulen);
    size_t i = 0;
    while (i < in.size()) {
      uint32_t ctrl = static_cast<uint8_t>(in[i++]);
      if (ctrl < 32) {  // a literal run of ctrl + 1 bytes
        size_t n = ctrl + 1;
        if (i + n > in.size() || out->size() + n > ulen) return false;
        out->append(in.substr(i, n));
        i += n;
        continue;
      }
      size_t n = ctrl >> 5;  // a back reference
      if (n == 7) {
        if (i >= in.size()) return false;
        n += static_cast<uint8_t>(in[i++]);
      }
      if (i >= in.size()) return false;
      size_t back = ((ctrl & 0x1f) << 8) + static_cast<uint8_t>(in[i++]) + 1;
      n += 2;
      if (back > out->size() || out->size() + n > ulen) return false;
      size_t from = out->size() - back;
      for (size_t k = 0; k < n; ++k) out->push_back((*out)[from + k]);  // may overlap
    }
    return out->size() == ulen;
  }

  std::string_view in_;
};

// Calls fn(element) for each entry of a listpack blob; integers become their decimal strings.
template <typename Fn>
bool ForEachListpackEntry(std::string_view lp, Fn&& fn) {
  if (lp.size() < 7) return false;
  uint32_t total;
  std::memcpy(&total, lp.data(), 4);
  if (total != lp.size() || static_cast<uint8_t>(lp.back()) != 0xFF) return false;
  size_t p = 6;
  const size_t end = lp.size() - 1;
  auto u8 = [&](size_t at) { return static_cast<uint8_t>(lp[at]); };
  while (p < end) {
    const uint8_t b = u8(p);
    size_t header = 1, data = 0;
    int64_t ival = 0;
    bool is_int = true;
    auto sign_extend = [](uint64_t v, int bits) {
      return static_cast<int64_t>(v << (64 - bits)) >> (64 - bits);
    };
    auto little = [&](size_t at, int bytes) {
      uint64_t v = 0;
      for (int k = bytes - 1; k >= 0; --k) v = (v << 8) | u8(at + static_cast<size_t>(k));
      return v;
    };
    if ((b & 0x80) == 0) {
      ival = b & 0x7f;
    } else if ((b & 0xC0) == 0x80) {
      is_int = false;
      data = b & 0x3f;
    } else if ((b & 0xE0) == 0xC0) {
      if (p + 2 > end) return false;
      header = 2;
      ival = sign_extend((uint64_t{b & 0x1fu} << 8) | u8(p + 1), 13);
    } else if ((b & 0xF0) == 0xE0) {
      if (p + 2 > end) return false;
      is_int = false;
      header = 2;
      data = (size_t{b & 0x0fu} << 8) | u8(p + 1);
    } else if (b == 0xF0) {
      if (p + 5 > end) return false;
      is_int = false;
      header = 5;
      data = little(p + 1, 4);
    } else if (b >= 0xF1 && b <= 0xF4) {
      static constexpr int kBytes[] = {2, 3, 4, 8};
      const int n = kBytes[b - 0xF1];
      if (p + 1 + static_cast<size_t>(n) > end) return false;
      header = 1 + static_cast<size_t>(n);
      ival = sign_extend(little(p + 1, n), 8 * n);
    } else {
      return false;
    }
    const size_t entry = header + data;
    if (p + entry > end) return false;
    if (is_int) {
      fn(Ll2String(ival));
    } else {
      fn(std::string(lp.substr(p + header, data)));
    }
    const size_t backlen = entry <= 127        ? 1
                           : entry < 16383     ? 2
                           : entry < 2097151   ? 3
                           : entry < 268435455 ? 4
                                               : 5;
    p += entry + backlen;
  }
  return p == end;
}

bool ParseScore(std::string_view s, double* score) {
  return String2d(s, score) && !std::isnan(*score);
}

bool DecodeValue(uint8_t type, Reader& in, RestoredValue* out) {
  uint64_t n;
  switch (type) {
    case kRdbString:
      out->type = ValueType::kString;
      return in.String(&out->value);
    case kRdbList: {
      auto list = std::make_unique<storage::ListObject>();
      if (!in.PlainLength(&n)) return false;
      std::string e;
      for (uint64_t i = 0; i < n; ++i) {
        if (!in.String(&e)) return false;
        list->PushBack(e);
      }
      out->type = ValueType::kList;
      out->object = std::move(list);
      return true;
    }
    case kRdbListQuicklist2: {
      auto list = std::make_unique<storage::ListObject>();
      if (!in.PlainLength(&n)) return false;
      std::string node;
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t container;
        if (!in.PlainLength(&container) || !in.String(&node)) return false;
        if (container == 1) {  // PLAIN: one large element
          list->PushBack(node);
        } else if (container != 2 ||
                   !ForEachListpackEntry(node, [&](const std::string& e) { list->PushBack(e); })) {
          return false;
        }
      }
      out->type = ValueType::kList;
      out->object = std::move(list);
      return true;
    }
    case kRdbSet: {
      auto set = std::make_unique<storage::SetObject>();
      if (!in.PlainLength(&n)) return false;
      std::string m;
      for (uint64_t i = 0; i < n; ++i) {
        if (!in.String(&m) || !set->table().Set(m, {})) return false;  // duplicates: corrupt
      }
      out->type = ValueType::kSet;
      out->object = std::move(set);
      return true;
    }
    case kRdbSetIntset: {
      std::string blob;
      if (!in.String(&blob) || blob.size() < 8) return false;
      uint32_t width, count;
      std::memcpy(&width, blob.data(), 4);
      std::memcpy(&count, blob.data() + 4, 4);
      if ((width != 2 && width != 4 && width != 8) || blob.size() != 8 + uint64_t{width} * count) {
        return false;
      }
      auto set = std::make_unique<storage::SetObject>();
      for (uint32_t i = 0; i < count; ++i) {
        int64_t v = 0;
        const char* p = blob.data() + 8 + size_t{i} * width;
        if (width == 2) {
          int16_t x;
          std::memcpy(&x, p, 2);
          v = x;
        } else if (width == 4) {
          int32_t x;
          std::memcpy(&x, p, 4);
          v = x;
        } else {
          std::memcpy(&v, p, 8);
        }
        if (!set->table().Set(Ll2String(v), {})) return false;
      }
      out->type = ValueType::kSet;
      out->object = std::move(set);
      return true;
    }
    case kRdbHash: {
      auto hash = std::make_unique<storage::HashObject>();
      if (!in.PlainLength(&n)) return false;
      std::string f, v;
      for (uint64_t i = 0; i < n; ++i) {
        if (!in.String(&f) || !in.String(&v) || !hash->table().Set(f, v)) return false;
      }
      out->type = ValueType::kHash;
      out->object = std::move(hash);
      return true;
    }
    case kRdbHashListpack: {
      std::string blob, field;
      if (!in.String(&blob)) return false;
      auto hash = std::make_unique<storage::HashObject>();
      bool odd = false, dup = false;
      bool ok = ForEachListpackEntry(blob, [&](const std::string& e) {
        if (!odd) {
          field = e;
        } else {
          dup |= !hash->table().Set(field, e);
        }
        odd = !odd;
      });
      if (!ok || odd || dup) return false;
      out->type = ValueType::kHash;
      out->object = std::move(hash);
      return true;
    }
    case kRdbZSet:
    case kRdbZSet2: {
      auto zset = std::make_unique<storage::ZSetObject>();
      if (!in.PlainLength(&n)) return false;
      std::string m;
      for (uint64_t i = 0; i < n; ++i) {
        if (!in.String(&m)) return false;
        double score;
        if (type == kRdbZSet2) {
          uint64_t bits;
          if (!in.Little(8, &bits)) return false;
          std::memcpy(&score, &bits, 8);
        } else {
          uint8_t len;
          std::string_view text;
          if (!in.Byte(&len)) return false;
          if (len == 253) return false;  // NaN
          if (len == 254 || len == 255) {
            score = len == 254 ? INFINITY : -INFINITY;
          } else if (!in.Bytes(len, &text) || !ParseScore(text, &score)) {
            return false;
          }
        }
        if (std::isnan(score) || !zset->Add(m, score)) return false;
      }
      out->type = ValueType::kZSet;
      out->object = std::move(zset);
      return true;
    }
    case kRdbZSetListpack: {
      std::string blob, member;
      if (!in.String(&blob)) return false;
      auto zset = std::make_unique<storage::ZSetObject>();
      bool odd = false, bad = false;
      bool ok = ForEachListpackEntry(blob, [&](const std::string& e) {
        if (!odd) {
          member = e;
        } else {
          double score;
          bad |= !ParseScore(e, &score) || !zset->Add(member, score);
        }
        odd = !odd;
      });
      if (!ok || odd || bad) return false;
      out->type = ValueType::kZSet;
      out->object = std::move(zset);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

uint64_t Crc64(uint64_t crc, std::string_view data) noexcept {
  for (char c : data) crc = kCrcTable[(crc ^ static_cast<uint8_t>(c)) & 0xff] ^ (crc >> 8);
  return crc;
}

std::string EncodeDumpPayload(const storage::RecordView& record) {
  std::string out;
  switch (record.type) {
    case ValueType::kString:
      out.push_back(static_cast<char>(kRdbString));
      PutString(&out, record.value);
      break;
    case ValueType::kList: {
      const auto& list = static_cast<const storage::ListObject&>(*record.object);
      out.push_back(static_cast<char>(kRdbList));
      PutLength(&out, list.size());
      for (const std::string& e : list.elements()) PutString(&out, e);
      break;
    }
    case ValueType::kSet: {
      const auto& set = static_cast<const storage::SetObject&>(*record.object);
      out.push_back(static_cast<char>(kRdbSet));
      PutLength(&out, set.Length());
      for (const auto& e : set.table().entries()) PutString(&out, e.key);
      break;
    }
    case ValueType::kHash: {
      const auto& hash = static_cast<const storage::HashObject&>(*record.object);
      out.push_back(static_cast<char>(kRdbHash));
      PutLength(&out, hash.Length());
      for (const auto& e : hash.table().entries()) {
        PutString(&out, e.key);
        PutString(&out, e.value);
      }
      break;
    }
    case ValueType::kZSet: {
      const auto& zset = static_cast<const storage::ZSetObject&>(*record.object);
      out.push_back(static_cast<char>(kRdbZSet2));
      PutLength(&out, zset.size());
      for (const auto& [score, member] : zset.ordered()) {
        PutString(&out, member);
        uint64_t bits;
        std::memcpy(&bits, &score, 8);
        PutLittle(&out, bits, 8);
      }
      break;
    }
    case ValueType::kStream:
      break;  // streams are not implemented; DUMP never sees one
  }
  PutLittle(&out, kRdbVersion, 2);
  PutLittle(&out, Crc64(0, out), 8);
  return out;
}

DecodeResult DecodeDumpPayload(std::string_view payload) {
  DecodeResult r;
  if (payload.size() < 10) {
    r.error = DumpError::kVersionOrChecksum;
    return r;
  }
  const std::string_view body = payload.substr(0, payload.size() - 10);
  const auto* footer = reinterpret_cast<const uint8_t*>(payload.data() + body.size());
  const uint16_t version = static_cast<uint16_t>(footer[0] | (footer[1] << 8));
  uint64_t crc = 0;
  for (int i = 7; i >= 0; --i) crc = (crc << 8) | footer[2 + i];
  if (version > kRdbVersion || crc != Crc64(0, payload.substr(0, payload.size() - 8))) {
    r.error = DumpError::kVersionOrChecksum;
    return r;
  }
  Reader in(body);
  uint8_t type;
  if (!in.Byte(&type) || !DecodeValue(type, in, &r.value) || !in.AtEnd() ||
      (r.value.object != nullptr && r.value.object->Length() == 0)) {
    r.error = DumpError::kBadFormat;
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace ferrite::commands
