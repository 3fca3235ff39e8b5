#include "server/registry/string_match.h"

#include <cctype>
#include <utility>

namespace ferrite::server {
namespace {

inline int Fold(unsigned char c, bool nocase) { return nocase ? std::tolower(c) : c; }

// Returns whether pattern[p..] matches str[s..]. *give_up is set when a '*' has tried every
// suffix of the string without success: any shorter suffix tried by an outer '*' fails too.
bool Match(std::string_view pattern, size_t p, std::string_view str, size_t s, bool nocase,
           bool* give_up) {
  const size_t plen = pattern.size();
  const size_t slen = str.size();
  auto pc = [&](size_t i) { return static_cast<unsigned char>(pattern[i]); };
  auto sc = [&](size_t i) { return static_cast<unsigned char>(str[i]); };

  while (p < plen && s < slen) {
    switch (pattern[p]) {
      case '*': {
        while (p + 1 < plen && pattern[p + 1] == '*') ++p;
        if (p + 1 == plen) return true;
        for (; s < slen; ++s) {
          if (Match(pattern, p + 1, str, s, nocase, give_up)) return true;
          if (*give_up) return false;
        }
        *give_up = true;
        return false;
      }
      case '?':
        ++s;
        break;
      case '[': {
        ++p;
        const bool negate = p < plen && pattern[p] == '^';
        if (negate) ++p;
        bool matched = false;
        while (true) {
          if (p < plen && pattern[p] == '\\' && plen - p >= 2) {
            ++p;
            if (pc(p) == sc(s)) matched = true;
          } else if (p < plen && pattern[p] == ']') {
            break;
          } else if (p >= plen) {
            --p;  // unterminated class: the pattern ends here
            break;
          } else if (plen - p >= 3 && pattern[p + 1] == '-') {
            int lo = pc(p);
            int hi = pc(p + 2);
            if (lo > hi) std::swap(lo, hi);
            const int c = Fold(sc(s), nocase);
            if (c >= Fold(static_cast<unsigned char>(lo), nocase) &&
                c <= Fold(static_cast<unsigned char>(hi), nocase)) {
              matched = true;
            }
            p += 2;
          } else if (Fold(pc(p), nocase) == Fold(sc(s), nocase)) {
            matched = true;
          }
          ++p;
        }
        if (negate) matched = !matched;
        if (!matched) return false;
        ++s;
        break;
      }
      case '\\':
        if (plen - p >= 2) ++p;
        [[fallthrough]];
      default:
        if (Fold(pc(p), nocase) != Fold(sc(s), nocase)) return false;
        ++s;
        break;
    }
    ++p;
    if (s == slen) {
      while (p < plen && pattern[p] == '*') ++p;
      break;
    }
  }
  return p == plen && s == slen;
}

}  // namespace

bool StringMatch(std::string_view pattern, std::string_view str, bool nocase) {
  bool give_up = false;
  return Match(pattern, 0, str, 0, nocase, &give_up);
}

}  // namespace ferrite::server
