#pragma once
// String and number conversions with Redis's exact semantics, and ASCII helpers.
//
// Commands must accept and print numbers byte-for-byte as Redis 7.0 does, because clients and
// the Tcl suite compare replies textually: String2ll rejects "+1", " 1", "01" and "-0" exactly as
// Redis's string2ll; Ld2String(kHuman) is what INCRBYFLOAT stores; StringMatch is Redis's
// stringmatchlen (KEYS, SCAN MATCH, CONFIG GET patterns).
//
// Thread safety: all functions are pure (no shared state) and may be called from any thread.
// None allocates except the std::string-returning conveniences.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ferrite {

// Longest decimal int64 plus sign and NUL ("-9223372036854775808"), as Redis's LONG_STR_SIZE.
inline constexpr size_t kLongStrSize = 21;
// Buffer size Redis uses for long double text (MAX_LONG_DOUBLE_CHARS); %.17Lf of a huge value
// needs thousands of digits.
inline constexpr size_t kMaxLongDoubleChars = 5 * 1024;

// Number of decimal digits of v (1 for 0).
uint32_t Digits10(uint64_t v) noexcept;

// Redis's string2ll: the whole input must be an optional '-' followed by digits without leading
// zeros ("0" itself is fine, "-0" is not), no spaces, no '+', no overflow. Returns false otherwise.
bool String2ll(std::string_view s, int64_t* value) noexcept;

// Redis's string2ull: String2ll for non-negative values, otherwise strtoull(3) on the whole string
// (which, as in Redis, tolerates leading spaces and a sign). Inputs holding a NUL byte are
// rejected, since Redis sees a C string.
bool String2ull(std::string_view s, uint64_t* value) noexcept;

// Redis's string2ld / string2d: strtold/strtod over the whole input; rejects empty input, leading
// whitespace, trailing bytes, overflow to ±HUGE_VAL or underflow to zero, and NaN. "inf" and hex
// floats are accepted, as in Redis.
bool String2ld(std::string_view s, long double* value) noexcept;
bool String2d(std::string_view s, double* value) noexcept;

// Redis's double2ll: true when d converts to int64 without loss (and |d| <= LLONG_MAX/2).
bool Double2ll(double d, int64_t* out) noexcept;

// Writes the decimal text of v and a NUL into dst; returns its length, or 0 when dst (dstlen
// bytes) is too small. Redis's ll2string / ull2string.
size_t Ll2String(char* dst, size_t dstlen, int64_t v) noexcept;
size_t Ull2String(char* dst, size_t dstlen, uint64_t v) noexcept;
std::string Ll2String(int64_t v);

// Redis's ld2string modes.
enum class LdMode {
  kAuto,   // "%.17Lg"
  kHex,    // "%La"
  kHuman,  // "%.17Lf" with trailing zeros (and a bare '.') trimmed, "-0" printed as "0"
};
// Writes the text of v and a NUL into buf; returns its length, or 0 if buf is too small.
// Infinities print as "inf" / "-inf". Use kMaxLongDoubleChars for kHuman.
size_t Ld2String(char* buf, size_t len, long double v, LdMode mode) noexcept;
std::string Ld2String(long double v, LdMode mode);

// Redis's d2string (sorted-set scores): "nan", "inf", "-inf", "-0", an integer when exact, else
// "%.17g".
size_t D2String(char* buf, size_t len, double v) noexcept;

// Redis's stringmatchlen: glob matching with '*', '?', [abc], [^abc], [a-z] (reversed ranges
// allowed), and '\' escapes. `nocase` folds ASCII case. Patterns nesting more than 1000 '*'
// groups fail to match instead of recursing deeper. As in Redis, no non-empty pattern matches
// the empty string (not even "*"): callers special-case "*" as KEYS does.
bool StringMatch(std::string_view pattern, std::string_view str, bool nocase = false) noexcept;

inline char AsciiToLower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }
inline char AsciiToUpper(char c) noexcept { return (c >= 'a' && c <= 'z') ? char(c - 32) : c; }
// ASCII case-insensitive equality, as strcasecmp(3) in the C locale.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept;
void AsciiLowerInPlace(std::string* s) noexcept;
void AsciiUpperInPlace(std::string* s) noexcept;
std::string AsciiLower(std::string_view s);
std::string AsciiUpper(std::string_view s);

// `s` as a TOML basic string, quotes included: `"` and `\` escaped, control characters as
// \n, \t, \r or \u00XX. Used wherever a configuration is written back as TOML.
std::string TomlQuote(std::string_view s);

}  // namespace ferrite
