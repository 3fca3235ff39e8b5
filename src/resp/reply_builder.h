#pragma once
// ReplyBuilder: writes RESP2 or RESP3 replies into a connection's output buffer.
//
// Handlers describe replies in RESP3 terms (maps, sets, doubles, booleans, nulls); the builder
// downgrades them for RESP2 clients exactly as Redis does (a map becomes a flat array of 2N
// elements, a double a bulk string, a boolean an integer, null a null bulk or null array).
//
// Errors are written as a complete message whose first word is the error code, e.g.
// "ERR syntax error" or "WRONGTYPE Operation against ...": the builder adds the leading '-'.
// The builder remembers the last error code for the server's errorstats.
//
// Thread safety: none; a builder belongs to one connection on one event-loop thread.

#include <cstdint>
#include <string>
#include <string_view>

namespace ferrite::resp {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out, int protocol = 2) : out_(out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int protocol) { protocol_ = protocol; }
  std::string* buffer() { return out_; }
  void set_buffer(std::string* out) { out_ = out; }

  void SimpleString(std::string_view s);
  void Ok() { out_->append("+OK\r\n"); }
  void Error(std::string_view message);
  void Integer(int64_t value);
  void Bulk(std::string_view value);
  void Null();       // RESP2 "$-1", RESP3 "_"
  void NullArray();  // RESP2 "*-1", RESP3 "_"
  void ArrayHeader(size_t n);
  void MapHeader(size_t pairs);        // RESP2: array of 2*pairs
  void SetHeader(size_t n);            // RESP2: array
  void PushHeader(size_t n);           // RESP2: array
  void AttributeHeader(size_t pairs);  // RESP3 only; ignored by callers on RESP2
  void Double(double value);           // RESP2: bulk string, RESP3: ','
  void Bool(bool value);               // RESP2: integer 1/0, RESP3: '#t'/'#f'
  void Verbatim(std::string_view format, std::string_view text);  // RESP2: bulk
  void BigNumber(std::string_view digits);                        // RESP2: bulk
  void EmptyArray() { ArrayHeader(0); }
  // Appends bytes that are already valid RESP (e.g. a cached reply).
  void Raw(std::string_view resp) { out_->append(resp); }

  // Error bookkeeping for INFO errorstats: the code of the last Error() ("ERR", "WRONGTYPE").
  std::string_view last_error_code() const { return last_error_code_; }
  uint64_t errors_written() const { return errors_written_; }

 private:
  void Header(char type, size_t n);

  std::string* out_;
  int protocol_;
  std::string last_error_code_;
  uint64_t errors_written_ = 0;
};

// Formats a double the way Redis does in replies (%.17g, "inf"/"-inf", "nan").
std::string FormatDouble(double value);

}  // namespace ferrite::resp
