#pragma once
// RequestParser: splits a client's byte stream into commands, as Redis's processInputBuffer
// does: RESP multibulk arrays of bulk strings, inline commands ("SET k v\r\n", with Redis's
// quoting rules), and Ferrite's one extension, a RESP3 attribute map ("|1\r\n+traceparent\r\n
// +00-...\r\n") sent just before a command to carry W3C trace context.
//
// The parser is incremental and zero-copy: the caller keeps the unconsumed bytes contiguous and
// calls Parse() again with more data appended. Arguments are returned as views into that buffer,
// valid until the caller drops the consumed bytes. Progress inside a large, partly received
// command is remembered, so a 512 MB bulk arriving in pieces is scanned once.
//
// Limits and errors follow Redis 7.0 exactly (error text in the Error() string). After a protocol
// error the connection must send the error and close, as Redis does.
//
// Thread safety: none; one parser per connection.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferrite::resp {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = 2147483647;      // INT_MAX, as Redis 7.0
  size_t max_inline_len = 64 * 1024;           // PROTO_INLINE_MAX_SIZE
};

class RequestParser {
 public:
  enum class Outcome {
    kCommand,   // *consumed bytes form one command; argv() holds it (possibly empty: skip it)
    kNeedMore,  // wait for more bytes; nothing consumed
    kError,     // protocol error; error() holds Redis's message
  };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  Outcome Parse(std::string_view data, size_t* consumed);

  const std::vector<std::string_view>& argv() const { return argv_; }
  const std::string& error() const { return error_; }
  // Bytes the current incomplete command still needs, when known (a large bulk): lets the
  // connection size its buffer once.
  size_t bytes_wanted() const { return bytes_wanted_; }

  // Trace context from a RESP3 attribute map that preceded the last command (empty if none).
  const std::string& traceparent() const { return traceparent_; }
  const std::string& tracestate() const { return tracestate_; }

  void set_limits(const ParserLimits& limits) { limits_ = limits; }

 private:
  Outcome ParseMultibulk(std::string_view data, size_t* consumed);
  Outcome ParseInline(std::string_view data, size_t* consumed);
  Outcome ParseAttribute(std::string_view data, size_t* consumed);
  Outcome Fail(std::string message);
  void Reset();

  ParserLimits limits_;
  std::vector<std::string_view> argv_;
  std::string error_;
  std::string traceparent_;
  std::string tracestate_;
  std::string pending_traceparent_;  // from an attribute, applied to the next command
  std::string pending_tracestate_;
  std::vector<std::string> inline_args_;  // inline arguments are unescaped, so owned
  size_t bytes_wanted_ = 0;

  // Progress inside a partly received multibulk, relative to the command's first byte.
  bool in_multibulk_ = false;
  int64_t multibulk_remaining_ = 0;
  size_t position_ = 0;
  std::vector<std::pair<size_t, size_t>> arg_offsets_;  // (offset, length)
};

// Splits an inline command line with Redis's sdssplitargs rules (quotes, \xHH escapes).
// Returns false on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace ferrite::resp
