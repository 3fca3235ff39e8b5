#include "base/string_util.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ferrite {

namespace {

// strto* need a NUL-terminated copy. Inputs longer than the buffer are never valid numbers for
// the callers (Redis applies the same bound).
bool CopyToBuffer(std::string_view s, char* buf, size_t buflen) noexcept {
  if (s.size() >= buflen) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  return true;
}

bool IsCSpace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

uint32_t Digits10(uint64_t v) noexcept {
  uint32_t n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000;
    n += 4;
  }
}

bool String2ll(std::string_view s, int64_t* value) noexcept {
  if (s.empty() || s.size() >= kLongStrSize) return false;
  if (s.size() == 1 && s[0] == '0') {
    if (value) *value = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == s.size()) return false;
  }
  // A leading zero is only valid as the whole string "0": this keeps parse/print round-trips exact.
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    uint64_t digit = uint64_t(c - '0');
    if (v > UINT64_MAX / 10) return false;
    v *= 10;
    if (v > UINT64_MAX - digit) return false;
    v += digit;
  }
  if (negative) {
    if (v > uint64_t(INT64_MAX) + 1) return false;
    if (value) *value = v == uint64_t(INT64_MAX) + 1 ? INT64_MIN : -int64_t(v);
  } else {
    if (v > uint64_t(INT64_MAX)) return false;
    if (value) *value = int64_t(v);
  }
  return true;
}

bool String2ull(std::string_view s, uint64_t* value) noexcept {
  int64_t ll;
  if (String2ll(s, &ll)) {
    if (ll < 0) return false;
    *value = uint64_t(ll);
    return true;
  }
  if (s.find('\0') != std::string_view::npos) return false;
  char buf[128];
  if (!CopyToBuffer(s, buf, sizeof(buf))) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(buf, &end, 10);
  if (errno == EINVAL || errno == ERANGE || buf[0] == '\0' || *end != '\0') return false;
  *value = v;
  return true;
}

bool String2ld(std::string_view s, long double* value) noexcept {
  char buf[kMaxLongDoubleChars];
  if (s.empty() || !CopyToBuffer(s, buf, sizeof(buf))) return false;
  errno = 0;
  char* end = nullptr;
  long double v = std::strtold(buf, &end);
  if (IsCSpace(buf[0]) || *end != '\0' || size_t(end - buf) != s.size() ||
      (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO)) ||
      errno == EINVAL || std::isnan(v)) {
    return false;
  }
  if (value) *value = v;
  return true;
}

bool String2d(std::string_view s, double* value) noexcept {
  char buf[kMaxLongDoubleChars];
  if (s.empty() || !CopyToBuffer(s, buf, sizeof(buf))) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(buf, &end);
  if (IsCSpace(buf[0]) || size_t(end - buf) != s.size() ||
      (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) ||
      std::isnan(v)) {
    return false;
  }
  if (value) *value = v;
  return true;
}

bool Double2ll(double d, int64_t* out) noexcept {
  // Within ±2^62 every double converts to int64 without overflow; the round trip then tells
  // whether the fraction was zero.
  if (!(d >= double(-(INT64_MAX / 2)) && d <= double(INT64_MAX / 2))) return false;
  auto ll = static_cast<int64_t>(d);
  if (static_cast<double>(ll) != d) return false;
  *out = ll;
  return true;
}

size_t Ull2String(char* dst, size_t dstlen, uint64_t v) noexcept {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  uint32_t length = Digits10(v);
  if (length >= dstlen) return 0;
  dst[length] = '\0';
  char* p = dst + length;
  while (v >= 100) {
    unsigned pair = unsigned(v % 100) * 2;
    v /= 100;
    *--p = kPairs[pair + 1];
    *--p = kPairs[pair];
  }
  if (v < 10) {
    *--p = char('0' + v);
  } else {
    unsigned pair = unsigned(v) * 2;
    *--p = kPairs[pair + 1];
    *--p = kPairs[pair];
  }
  return length;
}

size_t Ll2String(char* dst, size_t dstlen, int64_t v) noexcept {
  if (v >= 0) return Ull2String(dst, dstlen, uint64_t(v));
  if (dstlen < 2) return 0;
  uint64_t magnitude = v == INT64_MIN ? uint64_t(INT64_MAX) + 1 : uint64_t(-v);
  dst[0] = '-';
  size_t n = Ull2String(dst + 1, dstlen - 1, magnitude);
  return n == 0 ? 0 : n + 1;
}

std::string Ll2String(int64_t v) {
  char buf[kLongStrSize];
  size_t n = Ll2String(buf, sizeof(buf), v);
  return std::string(buf, n);
}

size_t Ld2String(char* buf, size_t len, long double v, LdMode mode) noexcept {
  size_t l = 0;
  if (std::isinf(v)) {
    if (len < 5) return 0;
    const char* text = v > 0 ? "inf" : "-inf";
    l = std::strlen(text);
    std::memcpy(buf, text, l);
    buf[l] = '\0';
    return l;
  }
  const char* format = mode == LdMode::kAuto ? "%.17Lg" : mode == LdMode::kHex ? "%La" : "%.17Lf";
  int n = std::snprintf(buf, len, format, v);
  if (n < 0 || size_t(n) + 1 > len) return 0;
  l = size_t(n);
  if (mode == LdMode::kHuman) {
    if (std::memchr(buf, '.', l) != nullptr) {
      while (buf[l - 1] == '0') --l;
      if (buf[l - 1] == '.') --l;
    }
    if (l == 2 && buf[0] == '-' && buf[1] == '0') {
      buf[0] = '0';
      l = 1;
    }
  }
  buf[l] = '\0';
  return l;
}

std::string Ld2String(long double v, LdMode mode) {
  char buf[kMaxLongDoubleChars];
  size_t n = Ld2String(buf, sizeof(buf), v, mode);
  return std::string(buf, n);
}

size_t D2String(char* buf, size_t len, double v) noexcept {
  int n;
  if (std::isnan(v)) {
    n = std::snprintf(buf, len, "nan");
  } else if (std::isinf(v)) {
    n = std::snprintf(buf, len, v < 0 ? "-inf" : "inf");
  } else if (v == 0) {
    n = std::snprintf(buf, len, std::signbit(v) ? "-0" : "0");
  } else {
    int64_t ll;
    if (Double2ll(v, &ll)) return Ll2String(buf, len, ll);
    n = std::snprintf(buf, len, "%.17g", v);
  }
  if (n < 0 || size_t(n) >= len) return 0;
  return size_t(n);
}

namespace {

// Case folding exactly as Redis's tolower() in the C locale, applied to signed chars so ranges
// over bytes >= 0x80 behave as in Redis on x86.
inline int Fold(int c, bool nocase) noexcept { return nocase && c >= 'A' && c <= 'Z' ? c + 32 : c; }

bool MatchImpl(const char* p, size_t plen, const char* s, size_t slen, bool nocase,
               bool* skip_longer, int nesting) noexcept {
  if (nesting > 1000) return false;
  while (plen > 0 && slen > 0) {
    switch (p[0]) {
      case '*': {
        while (plen > 1 && p[1] == '*') {
          ++p;
          --plen;
        }
        if (plen == 1) return true;
        while (slen > 0) {
          if (MatchImpl(p + 1, plen - 1, s, slen, nocase, skip_longer, nesting + 1)) return true;
          if (*skip_longer) return false;
          ++s;
          --slen;
        }
        // The rest of the pattern matches nowhere in the rest of the string, so no earlier '*'
        // can help by consuming more: stop the whole search (avoids exponential backtracking).
        *skip_longer = true;
        return false;
      }
      case '?':
        ++s;
        --slen;
        break;
      case '[': {
        ++p;
        --plen;
        bool negate = plen > 0 && p[0] == '^';
        if (negate) {
          ++p;
          --plen;
        }
        bool match = false;
        for (;;) {
          if (plen >= 2 && p[0] == '\\') {
            ++p;
            --plen;
            if (p[0] == s[0]) match = true;
          } else if (plen == 0) {
            // Unterminated class: step back so the common advance below lands on the end.
            --p;
            ++plen;
            break;
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            int start = Fold(static_cast<signed char>(p[0]), nocase);
            int end = Fold(static_cast<signed char>(p[2]), nocase);
            int c = Fold(static_cast<signed char>(s[0]), nocase);
            if (start > end) std::swap(start, end);
            p += 2;
            plen -= 2;
            if (c >= start && c <= end) match = true;
          } else if (Fold(static_cast<signed char>(p[0]), nocase) ==
                     Fold(static_cast<signed char>(s[0]), nocase)) {
            match = true;
          }
          ++p;
          --plen;
        }
        if (negate) match = !match;
        if (!match) return false;
        ++s;
        --slen;
        break;
      }
      case '\\':
        if (plen >= 2) {
          ++p;
          --plen;
        }
        [[fallthrough]];
      default:
        if (Fold(static_cast<signed char>(p[0]), nocase) !=
            Fold(static_cast<signed char>(s[0]), nocase)) {
          return false;
        }
        ++s;
        --slen;
        break;
    }
    ++p;
    --plen;
    if (slen == 0) {
      while (plen > 0 && p[0] == '*') {
        ++p;
        --plen;
      }
      break;
    }
  }
  return plen == 0 && slen == 0;
}

}  // namespace

bool StringMatch(std::string_view pattern, std::string_view str, bool nocase) noexcept {
  bool skip_longer = false;
  return MatchImpl(pattern.data(), pattern.size(), str.data(), str.size(), nocase, &skip_longer, 0);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiToLower(a[i]) != AsciiToLower(b[i])) return false;
  }
  return true;
}

void AsciiLowerInPlace(std::string* s) noexcept {
  for (char& c : *s) c = AsciiToLower(c);
}

void AsciiUpperInPlace(std::string* s) noexcept {
  for (char& c : *s) c = AsciiToUpper(c);
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  AsciiLowerInPlace(&out);
  return out;
}

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  AsciiUpperInPlace(&out);
  return out;
}

std::string TomlQuote(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += "\"";
  return out;
}

}  // namespace ferrite
