#pragma once
// db.statement sanitisation and binary-safe escaping of Redis arguments to valid UTF-8.
//
//   size_t n = telemetry::BuildStatement(argv, key_indexes, StatementMode::kSanitized,
//                                        buf, sizeof buf);
//
// Modes (config `telemetry.statement`):
//   kSanitized    (default) the command name and its keys are kept, every other argument is `?`:
//                 `SET user:123 ?`.
//   kFull         every argument as sent (values included).
//   kKeysRedacted only the command name; keys and values are `?`: `SET ? ?`.
//   kOff          no statement at all (length 0).
// Which argv positions are keys comes from the caller (the command table's key specs), so this
// header needs no command knowledge. Arguments are written in redis-cli syntax: plain when they
// are printable ASCII without spaces or quotes, otherwise double-quoted with `\"`, `\\`, `\n`,
// `\r`, `\t` and `\xNN` escapes. Valid multi-byte UTF-8 is kept; every invalid byte becomes
// `\xNN`, so the output is always valid UTF-8 (protobuf `string` fields require it).
// Output that does not fit is cut at an argument boundary and ends with ` ...`.
//
// Cost: one pass over the bytes written into a caller-provided buffer; no allocation.
// Thread safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace ferrite::telemetry {

enum class StatementMode : unsigned char { kSanitized, kFull, kKeysRedacted, kOff };

// Length of the valid UTF-8 sequence at p (1..4), or 0 when the bytes there are not valid UTF-8
// (overlongs, surrogates and code points above U+10FFFF are invalid).
inline size_t Utf8SequenceLength(const unsigned char* p, size_t avail) noexcept {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (avail < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

namespace detail {

// Appends the escaped form of `arg` (without quotes) while it fits; returns false if it did not.
inline bool AppendEscaped(std::string_view arg, char* out, size_t cap, size_t* len) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(arg.data());
  size_t n = arg.size(), l = *len;
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    char esc = 0;
    if (c == '"') esc = '"';
    if (c == '\\') esc = '\\';
    if (c == '\n') esc = 'n';
    if (c == '\r') esc = 'r';
    if (c == '\t') esc = 't';
    if (esc) {
      if (l + 2 > cap) return false;
      out[l++] = '\\', out[l++] = esc, ++i;
      continue;
    }
    size_t seq = c >= 0x20 && c != 0x7f ? Utf8SequenceLength(p + i, n - i) : 0;
    if (seq == 0) {
      if (l + 4 > cap) return false;
      out[l++] = '\\', out[l++] = 'x', out[l++] = kHex[c >> 4], out[l++] = kHex[c & 15], ++i;
      continue;
    }
    if (l + seq > cap) return false;
    std::memcpy(out + l, p + i, seq);
    l += seq, i += seq;
  }
  *len = l;
  return true;
}

inline bool NeedsQuotes(std::string_view arg) noexcept {
  if (arg.empty()) return true;
  for (unsigned char c : arg)
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '\\') return true;
  return false;
}

}  // namespace detail

// Escapes arbitrary bytes to valid UTF-8 (no quotes). Returns the number of bytes written;
// *truncated is set when the input did not fit.
inline size_t EscapeToUtf8(std::string_view in, char* out, size_t cap, bool* truncated) noexcept {
  size_t len = 0;
  bool ok = detail::AppendEscaped(in, out, cap, &len);
  if (truncated) *truncated = !ok;
  return len;
}

// Builds db.statement into out[0..cap). Returns its length (0 for kOff). REQUIRES: cap >= 8.
inline size_t BuildStatement(std::span<const std::string_view> argv,
                             std::span<const uint16_t> key_indexes, StatementMode mode, char* out,
                             size_t cap) noexcept {
  if (mode == StatementMode::kOff || argv.empty() || cap < 8) return 0;
  constexpr std::string_view kEllipsis = " ...";
  const size_t limit = cap - kEllipsis.size();  // always leave room to mark truncation
  size_t len = 0;
  for (size_t i = 0; i < argv.size(); ++i) {
    size_t mark = len;
    bool ok = true;
    if (i > 0) {
      if (len + 1 > limit)
        ok = false;
      else
        out[len++] = ' ';
    }
    bool is_key = false;
    for (uint16_t k : key_indexes) is_key |= (k == i);
    bool literal =
        i == 0 || mode == StatementMode::kFull || (mode == StatementMode::kSanitized && is_key);
    if (ok && !literal) {
      if (len + 1 > limit)
        ok = false;
      else
        out[len++] = '?';
    } else if (ok) {
      std::string_view a = argv[i];
      if (!detail::NeedsQuotes(a)) {
        if (len + a.size() > limit)
          ok = false;
        else
          std::memcpy(out + len, a.data(), a.size()), len += a.size();
      } else {
        ok = len + 1 <= limit;
        if (ok) out[len++] = '"';
        ok = ok && detail::AppendEscaped(a, out, limit, &len) && len + 1 <= limit;
        if (ok) out[len++] = '"';
      }
    }
    if (!ok) {
      len = mark;
      std::memcpy(out + len, kEllipsis.data(), kEllipsis.size());
      return len + kEllipsis.size();
    }
  }
  return len;
}

inline constexpr std::string_view StatementModeName(StatementMode m) noexcept {
  switch (m) {
    case StatementMode::kSanitized:
      return "sanitized";
    case StatementMode::kFull:
      return "full";
    case StatementMode::kKeysRedacted:
      return "keys_redacted";
    case StatementMode::kOff:
      return "off";
  }
  return "sanitized";
}

}  // namespace ferrite::telemetry
