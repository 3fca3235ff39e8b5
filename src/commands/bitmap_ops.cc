#include "commands/bitmap_ops.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "base/string_util.h"

namespace ferrite::commands {

using storage::MutableRecord;
using storage::RecordBuilder;
using storage::RecordView;
using storage::ValueType;

bool ParseBitOffset(std::string_view arg, int bits, uint64_t* offset, uint64_t max_bytes) {
  const bool hash = bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t v;
  if (!String2ll(hash ? arg.substr(1) : arg, &v)) return false;
  if (hash && __builtin_mul_overflow(v, static_cast<int64_t>(bits), &v)) return false;
  if (v < 0 || static_cast<uint64_t>(v >> 3) >= max_bytes) return false;
  *offset = static_cast<uint64_t>(v);
  return true;
}

uint64_t PopCount(std::string_view bytes) {
  uint64_t count = 0;
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    count += static_cast<uint64_t>(__builtin_popcountll(word));
  }
  for (; i < bytes.size(); ++i) {
    count += static_cast<uint64_t>(__builtin_popcount(static_cast<uint8_t>(bytes[i])));
  }
  return count;
}

namespace {

// Redis's index normalisation for BITCOUNT / BITPOS: negative counts from the end, both ends
// clamped to the string. False when the range is empty.
bool NormaliseRange(int64_t total, int64_t* start, int64_t* end) {
  if (*start < 0) *start += total;
  if (*end < 0) *end += total;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
  return *start <= *end;
}

bool BitAt(std::string_view v, uint64_t pos) {
  return (static_cast<uint8_t>(v[pos >> 3]) >> (7 - (pos & 7))) & 1;
}

// First bit equal to `bit` in bit positions [from, to] (inside the string), or -1. Whole bytes and
// words that cannot hold it are skipped, so long runs cost one compare per 64 bits.
int64_t FindBit(std::string_view v, int bit, uint64_t from, uint64_t to) {
  const uint8_t skip_byte = bit ? 0x00 : 0xFF;
  const uint64_t skip_word = bit ? 0 : ~uint64_t{0};
  uint64_t i = from;
  while (i <= to) {
    if ((i & 7) == 0) {
      if (i + 63 <= to) {
        uint64_t word;
        std::memcpy(&word, v.data() + (i >> 3), 8);
        if (word == skip_word) {
          i += 64;
          continue;
        }
      }
      if (i + 7 <= to && static_cast<uint8_t>(v[i >> 3]) == skip_byte) {
        i += 8;
        continue;
      }
    }
    if (BitAt(v, i) == (bit == 1)) return static_cast<int64_t>(i);
    ++i;
  }
  return -1;
}

}  // namespace

int64_t BitCount(std::string_view value, bool has_range, int64_t start, int64_t end, bool is_bit) {
  if (!has_range) return static_cast<int64_t>(PopCount(value));
  const int64_t len = static_cast<int64_t>(value.size());
  if (!NormaliseRange(is_bit ? len * 8 : len, &start, &end)) return 0;
  if (!is_bit) return static_cast<int64_t>(PopCount(value.substr(start, end - start + 1)));
  const int64_t first = start >> 3, last = end >> 3;
  int64_t count = static_cast<int64_t>(PopCount(value.substr(first, last - first + 1)));
  // Take back the bits of the edge bytes that lie outside the range.
  const uint8_t head =
      static_cast<uint8_t>(value[first]) & static_cast<uint8_t>(0xFF00 >> (start & 7));
  const uint8_t tail = static_cast<uint8_t>(value[last]) & ((1u << (7 - (end & 7))) - 1);
  return count - __builtin_popcount(head) - __builtin_popcount(tail);
}

int64_t BitPos(std::string_view value, int bit, bool has_start, int64_t start, bool has_end,
               int64_t end, bool is_bit) {
  const int64_t len = static_cast<int64_t>(value.size());
  const int64_t total = is_bit ? len * 8 : len;
  if (!has_start) {
    start = 0;
    end = total - 1;
  } else if (!has_end) {
    end = total - 1;
  }
  if (!NormaliseRange(total, &start, &end)) return -1;
  const uint64_t from = is_bit ? start : start * 8;
  const uint64_t to = is_bit ? end : end * 8 + 7;
  const int64_t pos = FindBit(value, bit, from, to);
  if (pos >= 0 || bit == 1) return pos;
  // No clear bit inside: the string is zero-padded to the right unless the caller fixed the end.
  return has_end ? -1 : static_cast<int64_t>(to + 1);
}

uint64_t GetUnsignedBitfield(const uint8_t* p, uint64_t offset, int bits) {
  uint64_t value = 0;
  for (int j = 0; j < bits; ++j, ++offset) {
    value = (value << 1) | ((p[offset >> 3] >> (7 - (offset & 7))) & 1);
  }
  return value;
}

int64_t GetSignedBitfield(const uint8_t* p, uint64_t offset, int bits) {
  uint64_t u = GetUnsignedBitfield(p, offset, bits);
  // Sign-extend from the field's top bit.
  if (bits < 64 && (u >> (bits - 1)) & 1) u |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(u);
}

void SetBitfield(uint8_t* p, uint64_t offset, int bits, uint64_t value) {
  for (int j = 0; j < bits; ++j, ++offset) {
    const uint8_t mask = static_cast<uint8_t>(1u << (7 - (offset & 7)));
    if ((value >> (bits - 1 - j)) & 1) {
      p[offset >> 3] |= mask;
    } else {
      p[offset >> 3] &= static_cast<uint8_t>(~mask);
    }
  }
}

int64_t GetBitfieldPadded(std::string_view value, uint64_t offset, int bits, bool is_signed) {
  // A field spans at most 9 bytes: copy them into a zeroed buffer so that bits past the end of
  // the string read as zero.
  uint8_t buf[9] = {};
  const uint64_t byte = offset >> 3;
  for (uint64_t i = 0; i < 9 && byte + i < value.size(); ++i) {
    buf[i] = static_cast<uint8_t>(value[byte + i]);
  }
  const uint64_t local = offset & 7;
  return is_signed ? GetSignedBitfield(buf, local, bits)
                   : static_cast<int64_t>(GetUnsignedBitfield(buf, local, bits));
}

bool BitfieldCompute(bool is_signed, int bits, BitfieldOverflow overflow, bool is_incr, int64_t old,
                     int64_t arg, int64_t* result) {
  // 128-bit arithmetic holds every sum of two 64-bit operands exactly, so overflow is a compare.
  __int128 min, max, r;
  if (is_signed) {
    max = (static_cast<__int128>(1) << (bits - 1)) - 1;
    min = -max - 1;
    r = is_incr ? static_cast<__int128>(old) + arg : static_cast<__int128>(arg);
  } else {
    max = (static_cast<__int128>(1) << bits) - 1;
    min = 0;
    // Redis converts a SET value to unsigned first: a negative one overflows upwards.
    r = is_incr ? static_cast<__int128>(static_cast<uint64_t>(old)) + arg
                : static_cast<__int128>(static_cast<uint64_t>(arg));
  }
  if (r >= min && r <= max) {
    *result = static_cast<int64_t>(r);
    return true;
  }
  switch (overflow) {
    case BitfieldOverflow::kFail:
      return false;
    case BitfieldOverflow::kSat:
      *result = static_cast<int64_t>(r > max ? max : min);
      return true;
    case BitfieldOverflow::kWrap:
      break;
  }
  uint64_t low = static_cast<uint64_t>(r);
  if (bits < 64) {
    low &= (uint64_t{1} << bits) - 1;
    if (is_signed && ((low >> (bits - 1)) & 1)) low |= ~uint64_t{0} << bits;
  }
  *result = static_cast<int64_t>(low);
  return true;
}

int64_t ApplyBitfieldOps(std::span<const BitfieldOp> ops, uint8_t* buf, uint64_t size, bool grown,
                         std::vector<std::optional<int64_t>>* results) {
  int64_t changes = 0;
  const std::string_view view(reinterpret_cast<const char*>(buf), size);
  for (const BitfieldOp& op : ops) {
    if (op.kind == BitfieldOp::kGet) {
      // A GET may read past the farthest write, hence the padded read.
      results->emplace_back(GetBitfieldPadded(view, op.offset, op.bits, op.is_signed));
      continue;
    }
    const int64_t old = op.is_signed
                            ? GetSignedBitfield(buf, op.offset, op.bits)
                            : static_cast<int64_t>(GetUnsignedBitfield(buf, op.offset, op.bits));
    int64_t value;
    if (!BitfieldCompute(op.is_signed, op.bits, op.overflow, op.kind == BitfieldOp::kIncrBy, old,
                         op.arg, &value)) {
      results->emplace_back(std::nullopt);
      continue;
    }
    results->emplace_back(op.kind == BitfieldOp::kIncrBy ? value : old);
    SetBitfield(buf, op.offset, op.bits, static_cast<uint64_t>(value));
    if (grown || old != value) ++changes;
  }
  return changes;
}

// ---------------------------------------------------------------------------------------------
// SETBIT

Status SetBitUpdater::InitialUpdate(RecordBuilder& out) {
  out.type = ValueType::kString;
  out.expire_at_ms = storage::kNoExpiry;
  out.value.assign((offset >> 3) + 1, '\0');
  if (on) out.value[offset >> 3] = static_cast<char>(1u << (7 - (offset & 7)));
  old_bit = false;
  outcome = RmwOutcome::kDone;
  return Status::Ok();
}

bool SetBitUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (rec.type != ValueType::kString) return false;
  const uint64_t byte = offset >> 3;
  const uint64_t len = *rec.length;
  const bool grow = byte >= len;
  if (grow) {
    if (byte + 1 > rec.capacity) return false;
    std::memset(rec.value + len, 0, byte + 1 - len);
    *rec.length = static_cast<uint32_t>(byte + 1);
  }
  const std::string_view view(rec.value, *rec.length);
  old_bit = BitAt(view, offset);
  SetBitfield(reinterpret_cast<uint8_t*>(rec.value), offset, 1, on ? 1 : 0);
  outcome = grow || old_bit != on ? RmwOutcome::kDone : RmwOutcome::kUnchanged;
  return true;
}

Status SetBitUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  if (old.type != ValueType::kString) {
    outcome = RmwOutcome::kWrongType;
    return Status::WrongType();
  }
  const uint64_t byte = offset >> 3;
  const bool grow = byte >= out.value.size();
  if (grow) out.value.resize(byte + 1, '\0');
  old_bit = BitAt(out.value, offset);
  if (!grow && old_bit == on) {
    outcome = RmwOutcome::kUnchanged;  // nothing to write: keep the old record
    return Status::Aborted();
  }
  SetBitfield(reinterpret_cast<uint8_t*>(out.value.data()), offset, 1, on ? 1 : 0);
  outcome = RmwOutcome::kDone;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// BITFIELD

Status BitfieldUpdater::InitialUpdate(RecordBuilder& out) {
  out.type = ValueType::kString;
  out.expire_at_ms = storage::kNoExpiry;
  out.value.assign((highest_bit >> 3) + 1, '\0');
  results.clear();
  changes = ApplyBitfieldOps(ops, reinterpret_cast<uint8_t*>(out.value.data()), out.value.size(),
                             /*grown=*/true, &results);
  outcome = RmwOutcome::kDone;
  return Status::Ok();
}

bool BitfieldUpdater::InPlaceUpdate(MutableRecord& rec) {
  if (rec.type != ValueType::kString) return false;
  const uint64_t need = (highest_bit >> 3) + 1;
  const uint64_t len = *rec.length;
  const bool grow = need > len;
  if (grow) {
    if (need > rec.capacity) return false;
    std::memset(rec.value + len, 0, need - len);
    *rec.length = static_cast<uint32_t>(need);
  }
  results.clear();
  changes =
      ApplyBitfieldOps(ops, reinterpret_cast<uint8_t*>(rec.value), *rec.length, grow, &results);
  outcome = RmwOutcome::kDone;
  return true;
}

Status BitfieldUpdater::CopyUpdate(const RecordView& old, RecordBuilder& out) {
  if (old.type != ValueType::kString) {
    outcome = RmwOutcome::kWrongType;
    return Status::WrongType();
  }
  const uint64_t need = (highest_bit >> 3) + 1;
  const bool grow = need > out.value.size();
  if (grow) out.value.resize(need, '\0');
  results.clear();
  changes = ApplyBitfieldOps(ops, reinterpret_cast<uint8_t*>(out.value.data()), out.value.size(),
                             grow, &results);
  outcome = RmwOutcome::kDone;
  // Every write left its field as it was (or failed): keep the old record.
  return changes == 0 ? Status::Aborted() : Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// BITOP

std::string ComputeBitOp(BitOp op, std::span<const std::string> sources) {
  size_t max_len = 0;
  for (const std::string& s : sources) max_len = std::max(max_len, s.size());
  std::string out(max_len, '\0');
  if (max_len == 0) return out;
  auto byte_of = [](const std::string& s, size_t j) -> uint8_t {
    return j < s.size() ? static_cast<uint8_t>(s[j]) : 0;
  };
  for (size_t j = 0; j < max_len; ++j) {
    uint8_t acc = byte_of(sources[0], j);
    if (op == BitOp::kNot) {
      acc = static_cast<uint8_t>(~acc);
    } else {
      for (size_t i = 1; i < sources.size(); ++i) {
        const uint8_t b = byte_of(sources[i], j);
        if (op == BitOp::kAnd) {
          acc &= b;
        } else if (op == BitOp::kOr) {
          acc |= b;
        } else {
          acc ^= b;
        }
      }
    }
    out[j] = static_cast<char>(acc);
  }
  return out;
}

}  // namespace ferrite::commands
