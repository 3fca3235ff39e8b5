#pragma once
// StringMatch: Redis's glob-style matching (stringmatchlen), used by COMMAND LIST FILTERBY
// PATTERN. Supports '*', '?', '[abc]', '[^a-z]' and '\' escapes with Redis's edge-case behaviour
// (an unterminated '[' class ends at the end of the pattern; an escaped character inside a class
// compares case-sensitively). Matching gives up early on hopeless '*' backtracking, so a hostile
// pattern costs O(pattern * string).
//
// Thread safety: a pure function.

#include <string_view>

namespace ferrite::server {

bool StringMatch(std::string_view pattern, std::string_view str, bool nocase);

}  // namespace ferrite::server
