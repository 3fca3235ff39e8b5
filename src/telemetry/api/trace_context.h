#pragma once
// W3C Trace Context (traceparent / tracestate) for Ferrite: ids, parsing, validation, formatting.
//
// This is the part of telemetry/api the server calls for `CLIENT TRACEPARENT` and for RESP3
// `|` attributes carrying `traceparent` / `tracestate`:
//
//   std::optional<SpanContext> ctx = telemetry::ParseTraceparent(tp);   // nullopt = invalid
//   if (ctx && has_tracestate) ctx->trace_state.Assign(ts);             // invalid = cleared
//
// Parsing follows the W3C Trace Context processing model: an invalid traceparent is ignored (the
// command starts a new trace, no error is returned to the client) and its tracestate is not
// parsed; an invalid tracestate is discarded as a whole while the traceparent is still honoured.
// Versions above 00 are parsed forward-compatibly; `ff` is invalid.
//
// Thread safety: every type here is a value type; every function is pure and reentrant.
// Header-only and dependency-free on purpose (any layer may include it); it does not allocate.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace ferrite::telemetry {

struct TraceId {
  std::array<uint8_t, 16> bytes{};
  bool IsValid() const noexcept {
    for (uint8_t b : bytes)
      if (b) return true;
    return false;
  }
  friend bool operator==(const TraceId&, const TraceId&) = default;
};

struct SpanId {
  std::array<uint8_t, 8> bytes{};
  bool IsValid() const noexcept {
    for (uint8_t b : bytes)
      if (b) return true;
    return false;
  }
  friend bool operator==(const SpanId&, const SpanId&) = default;
};

inline constexpr uint8_t kTraceFlagSampled = 0x01;
inline constexpr uint8_t kTraceFlagRandom = 0x02;

// A validated tracestate header, stored inline (the W3C minimum to propagate is 512 characters;
// longer values are truncated entry-wise from the right).
class TraceState {
 public:
  static constexpr size_t kCapacity = 512;
  static constexpr size_t kMaxMembers = 32;

  // Validates `header` and stores it (OWS around members trimmed, empty members removed).
  // Returns false and leaves the state empty when the header is invalid as a whole.
  bool Assign(std::string_view header) noexcept;
  void Clear() noexcept { len_ = 0; }
  std::string_view view() const noexcept { return {buf_, len_}; }
  bool empty() const noexcept { return len_ == 0; }

 private:
  char buf_[kCapacity];
  uint16_t len_ = 0;
};

struct SpanContext {
  TraceId trace_id;
  SpanId span_id;
  uint8_t trace_flags = 0;
  bool remote = false;  // true when it came from a client (CLIENT TRACEPARENT, RESP3 attribute)
  TraceState trace_state;

  bool IsValid() const noexcept { return trace_id.IsValid() && span_id.IsValid(); }
  bool sampled() const noexcept { return trace_flags & kTraceFlagSampled; }
};

namespace detail {
inline int HexLower(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase hex is invalid in traceparent
}
inline bool ParseHex(std::string_view s, uint8_t* out) noexcept {
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = HexLower(s[i]), lo = HexLower(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}
inline std::string_view TrimOws(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
inline bool IsKeyFirst(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
inline bool IsKeyChar(char c) noexcept {
  return IsKeyFirst(c) || c == '_' || c == '-' || c == '*' || c == '/' || c == '@';
}
// Key grammar of the current W3C draft (PR #584): lcalpha/digit then up to 255 of
// [a-z0-9_-*/@]. Level 1's tenant@system limits are a subset of it.
inline bool ValidTracestateKey(std::string_view k) noexcept {
  if (k.empty() || k.size() > 256 || !IsKeyFirst(k[0])) return false;
  for (char c : k)
    if (!IsKeyChar(c)) return false;
  return true;
}
// Value: 1..256 printable ASCII except ',' and '='; the last character is not a space.
inline bool ValidTracestateValue(std::string_view v) noexcept {
  if (v.empty() || v.size() > 256 || v.back() == ' ') return false;
  for (char c : v)
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  return true;
}
}  // namespace detail

// Parses a traceparent value. Returns nullopt when it is invalid (wrong length or separators,
// uppercase or non-hex digits, version ff, all-zero trace or parent id, trailing data after a
// version-00 value). The returned context has remote = true and an empty trace_state.
inline std::optional<SpanContext> ParseTraceparent(std::string_view value) noexcept {
  std::string_view s = detail::TrimOws(value);
  if (s.size() < 55) return std::nullopt;
  uint8_t version;
  if (s[2] != '-' || !detail::ParseHex(s.substr(0, 2), &version) || version == 0xff)
    return std::nullopt;
  if (version == 0 && s.size() != 55) return std::nullopt;
  if (s[35] != '-' || s[52] != '-') return std::nullopt;
  // A future version may append fields, each introduced by '-'.
  if (s.size() > 55 && s[55] != '-') return std::nullopt;
  SpanContext ctx;
  if (!detail::ParseHex(s.substr(3, 32), ctx.trace_id.bytes.data())) return std::nullopt;
  if (!detail::ParseHex(s.substr(36, 16), ctx.span_id.bytes.data())) return std::nullopt;
  if (!detail::ParseHex(s.substr(53, 2), &ctx.trace_flags)) return std::nullopt;
  if (!ctx.trace_id.IsValid() || !ctx.span_id.IsValid()) return std::nullopt;
  // Unknown flag bits of version 00 are not propagated (W3C: "MUST be set to zero" on send).
  if (version == 0) ctx.trace_flags &= (kTraceFlagSampled | kTraceFlagRandom);
  ctx.remote = true;
  return ctx;
}

// Validates a tracestate header value (one header; callers concatenate several with ',').
// Returns false when the whole header must be discarded: a bad key or value, a duplicate key,
// more than 32 members, or a member without '='.
inline bool ValidateTracestate(std::string_view header) noexcept {
  std::string_view keys[TraceState::kMaxMembers];
  size_t n = 0;
  while (true) {
    size_t comma = header.find(',');
    std::string_view member = detail::TrimOws(header.substr(0, comma));
    if (!member.empty()) {
      size_t eq = member.find('=');
      if (eq == std::string_view::npos) return false;
      std::string_view key = member.substr(0, eq), val = member.substr(eq + 1);
      if (!detail::ValidTracestateKey(key) || !detail::ValidTracestateValue(val)) return false;
      if (n == TraceState::kMaxMembers) return false;
      for (size_t i = 0; i < n; ++i)
        if (keys[i] == key) return false;
      keys[n++] = key;
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return true;
}

inline bool TraceState::Assign(std::string_view header) noexcept {
  len_ = 0;
  if (!ValidateTracestate(header)) return false;
  // Copy members in order, trimmed, dropping empties; entries that do not fit are dropped from
  // the right (W3C truncation), so the stored value is always a valid list.
  while (true) {
    size_t comma = header.find(',');
    std::string_view member = detail::TrimOws(header.substr(0, comma));
    if (!member.empty()) {
      size_t need = member.size() + (len_ ? 1 : 0);
      if (len_ + need > kCapacity) break;
      if (len_) buf_[len_++] = ',';
      std::memcpy(buf_ + len_, member.data(), member.size());
      len_ += static_cast<uint16_t>(member.size());
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return true;
}

// Writes "00-<trace>-<span>-<flags>" (55 bytes) into out. REQUIRES: out has room for 55 bytes.
inline void FormatTraceparent(const TraceId& t, const SpanId& s, uint8_t flags,
                              char* out) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  char* p = out;
  *p++ = '0';
  *p++ = '0';
  *p++ = '-';
  for (uint8_t b : t.bytes) *p++ = kHex[b >> 4], *p++ = kHex[b & 15];
  *p++ = '-';
  for (uint8_t b : s.bytes) *p++ = kHex[b >> 4], *p++ = kHex[b & 15];
  *p++ = '-';
  *p++ = kHex[flags >> 4];
  *p++ = kHex[flags & 15];
}

// Lowercase hex of arbitrary bytes (ids in logs and OTLP/JSON). REQUIRES: out has 2*n bytes.
inline void HexEncode(const uint8_t* data, size_t n, char* out) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i)
    out[2 * i] = kHex[data[i] >> 4], out[2 * i + 1] = kHex[data[i] & 15];
}

}  // namespace ferrite::telemetry
