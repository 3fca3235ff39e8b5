#pragma once
// Minimal protobuf wire-format writer and reader for the OTLP messages Ferrite sends and the
// few responses it reads (partial success, google.rpc.Status with RetryInfo).
//
// The writer appends to a std::string; nested messages are written in place and their length
// prefix is filled in when the message closes (Begin/End), so no temporary buffers are needed.
// The reader walks one message's fields and skips unknown ones, as receivers must.
//
// Thread safety: value types, one thread at a time.

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace ferrite::telemetry::wire {

enum WireType : uint8_t { kVarint = 0, kI64 = 1, kLen = 2, kI32 = 5 };

inline void AppendVarint(std::string* out, uint64_t v) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}

class ProtoWriter {
 public:
  explicit ProtoWriter(std::string* out) : out_(out) {}

  void Tag(uint32_t field, WireType type) { AppendVarint(out_, uint64_t{field} << 3 | type); }
  // proto3 implicit presence: defaults are omitted by the *If variants.
  void Varint(uint32_t field, uint64_t v) {
    Tag(field, kVarint);
    AppendVarint(out_, v);
  }
  void VarintIf(uint32_t field, uint64_t v) {
    if (v != 0) Varint(field, v);
  }
  void Int64(uint32_t field, int64_t v) { Varint(field, static_cast<uint64_t>(v)); }
  void Bool(uint32_t field, bool v) { Varint(field, v ? 1 : 0); }
  void Fixed64(uint32_t field, uint64_t v) {
    Tag(field, kI64);
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_->append(b, 8);
  }
  void Fixed32(uint32_t field, uint32_t v) {
    Tag(field, kI32);
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_->append(b, 4);
  }
  void Double(uint32_t field, double d) {
    uint64_t v;
    std::memcpy(&v, &d, 8);
    Fixed64(field, v);
  }
  void Bytes(uint32_t field, std::string_view s) {
    Tag(field, kLen);
    AppendVarint(out_, s.size());
    out_->append(s);
  }
  void BytesIf(uint32_t field, std::string_view s) {
    if (!s.empty()) Bytes(field, s);
  }
  void Raw(std::string_view s) { out_->append(s); }

  // Nested message: Begin writes the tag and a one-byte length placeholder; End writes the
  // length there. Most nested messages (attributes, values, small spans) are under 128 bytes,
  // so the body only moves when its length needs a longer varint. The output is the canonical
  // (minimal) encoding either way.
  // `reserve` is the number of length bytes to expect (2 for messages usually 128 bytes to
  // 16 KiB, such as spans); End(m, reserve) must be given the same number.
  size_t Begin(uint32_t field, size_t reserve = 1) {
    Tag(field, kLen);
    out_->append(reserve, '\0');
    return out_->size();
  }
  void End(size_t body_start, size_t reserve = 1) {
    size_t len = out_->size() - body_start;
    size_t n = VarintSize(len);
    if (n > reserve) out_->insert(body_start, n - reserve, '\0');
    if (n < reserve) out_->erase(body_start - reserve, reserve - n);
    char* p = out_->data() + body_start - reserve;  // the length's first byte, in every case
    while (len >= 0x80) {
      *p++ = static_cast<char>(len | 0x80);
      len >>= 7;
    }
    *p = static_cast<char>(len);
  }

 private:
  std::string* out_;
};

// Reads the fields of one message. Usage: while (r.Next()) switch (r.field()) { ... }
class ProtoReader {
 public:
  explicit ProtoReader(std::string_view data) : data_(data) {}

  bool Next() {
    if (pos_ >= data_.size() || error_) return false;
    uint64_t key;
    if (!ReadVarint(&key)) return Fail();
    field_ = static_cast<uint32_t>(key >> 3);
    type_ = static_cast<WireType>(key & 7);
    switch (type_) {
      case kVarint:
        if (!ReadVarint(&varint_)) return Fail();
        return true;
      case kI64:
        if (data_.size() - pos_ < 8) return Fail();
        varint_ = 0;
        for (int i = 0; i < 8; ++i)
          varint_ |= uint64_t{static_cast<uint8_t>(data_[pos_ + i])} << (8 * i);
        pos_ += 8;
        return true;
      case kI32:
        if (data_.size() - pos_ < 4) return Fail();
        varint_ = 0;
        for (int i = 0; i < 4; ++i)
          varint_ |= uint64_t{static_cast<uint8_t>(data_[pos_ + i])} << (8 * i);
        pos_ += 4;
        return true;
      case kLen: {
        uint64_t len;
        if (!ReadVarint(&len) || len > data_.size() - pos_) return Fail();
        bytes_ = data_.substr(pos_, len);
        pos_ += len;
        return true;
      }
    }
    return Fail();
  }

  uint32_t field() const { return field_; }
  WireType type() const { return type_; }
  uint64_t varint() const { return varint_; }
  std::string_view bytes() const { return bytes_; }
  bool error() const { return error_; }

 private:
  bool Fail() {
    error_ = true;
    return false;
  }
  bool ReadVarint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
      uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      *v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }

  std::string_view data_;
  size_t pos_ = 0;
  uint32_t field_ = 0;
  WireType type_ = kVarint;
  uint64_t varint_ = 0;
  std::string_view bytes_;
  bool error_ = false;
};

}  // namespace ferrite::telemetry::wire
