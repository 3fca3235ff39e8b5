#include "resp/request_parser.h"

#include <cstring>

#include "base/string_util.h"

namespace ferrite::resp {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void RequestParser::Reset() {
  in_multibulk_ = false;
  multibulk_remaining_ = 0;
  position_ = 0;
  arg_offsets_.clear();
  bytes_wanted_ = 0;
}

RequestParser::Outcome RequestParser::Fail(std::string message) {
  error_ = std::move(message);
  Reset();
  return Outcome::kError;
}

RequestParser::Outcome RequestParser::Parse(std::string_view data, size_t* consumed) {
  *consumed = 0;
  argv_.clear();
  if (data.empty()) return Outcome::kNeedMore;
  Outcome outcome;
  if (in_multibulk_ || data[0] == '*') {
    outcome = ParseMultibulk(data, consumed);
  } else if (data[0] == '|') {
    return ParseAttribute(data, consumed);
  } else {
    outcome = ParseInline(data, consumed);
  }
  if (outcome == Outcome::kCommand && !argv_.empty()) {
    // The attribute (if any) belongs to this command; a command without one has no context.
    traceparent_.swap(pending_traceparent_);
    tracestate_.swap(pending_tracestate_);
    pending_traceparent_.clear();
    pending_tracestate_.clear();
  }
  return outcome;
}

RequestParser::Outcome RequestParser::ParseMultibulk(std::string_view data, size_t* consumed) {
  if (!in_multibulk_) {
    size_t newline = data.find('\r');
    if (newline == std::string_view::npos) {
      if (data.size() > limits_.max_inline_len) {
        return Fail("ERR Protocol error: too big mbulk count string");
      }
      return Outcome::kNeedMore;
    }
    if (newline + 1 >= data.size()) return Outcome::kNeedMore;  // wait for the '\n'
    int64_t count;
    if (!String2ll(data.substr(1, newline - 1), &count) || count > limits_.max_multibulk_len) {
      return Fail("ERR Protocol error: invalid multibulk length");
    }
    if (count <= 0) {
      *consumed = newline + 2;
      return Outcome::kCommand;  // empty command: skipped, as Redis does
    }
    in_multibulk_ = true;
    multibulk_remaining_ = count;
    position_ = newline + 2;
    arg_offsets_.clear();
    arg_offsets_.reserve(static_cast<size_t>(count < 1024 ? count : 1024));
  }

  while (multibulk_remaining_ > 0) {
    std::string_view rest = data.substr(position_);
    if (rest.empty()) return Outcome::kNeedMore;
    size_t newline = rest.find('\r');
    if (newline == std::string_view::npos) {
      if (rest.size() > limits_.max_inline_len) {
        return Fail("ERR Protocol error: too big bulk count string");
      }
      return Outcome::kNeedMore;
    }
    if (newline + 1 >= rest.size()) return Outcome::kNeedMore;
    if (rest[0] != '$') {
      return Fail(std::string("ERR Protocol error: expected '$', got '") + rest[0] + "'");
    }
    int64_t len;
    if (!String2ll(rest.substr(1, newline - 1), &len) || len < 0 || len > limits_.max_bulk_len) {
      return Fail("ERR Protocol error: invalid bulk length");
    }
    size_t header = newline + 2;
    size_t needed = header + static_cast<size_t>(len) + 2;
    if (rest.size() < needed) {
      bytes_wanted_ = position_ + needed;
      return Outcome::kNeedMore;
    }
    // Like Redis, the two bytes after the payload are skipped without being checked.
    arg_offsets_.emplace_back(position_ + header, static_cast<size_t>(len));
    position_ += needed;
    --multibulk_remaining_;
  }

  argv_.reserve(arg_offsets_.size());
  for (auto [offset, len] : arg_offsets_) argv_.emplace_back(data.data() + offset, len);
  *consumed = position_;
  Reset();
  return Outcome::kCommand;
}

RequestParser::Outcome RequestParser::ParseInline(std::string_view data, size_t* consumed) {
  size_t newline = data.find('\n');
  if (newline == std::string_view::npos) {
    if (data.size() > limits_.max_inline_len) {
      return Fail("ERR Protocol error: too big inline request");
    }
    return Outcome::kNeedMore;
  }
  std::string_view line = data.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  inline_args_.clear();
  if (!SplitInlineArgs(line, &inline_args_)) {
    return Fail("ERR Protocol error: unbalanced quotes in request");
  }
  for (const std::string& a : inline_args_) argv_.emplace_back(a);
  *consumed = newline + 1;
  return Outcome::kCommand;
}

RequestParser::Outcome RequestParser::ParseAttribute(std::string_view data, size_t* consumed) {
  // |<pairs>\r\n then 2*pairs simple or bulk strings. The whole attribute must be present.
  size_t pos = 0;
  auto read_line = [&](std::string_view* line) -> int {
    size_t nl = data.find("\r\n", pos);
    if (nl == std::string_view::npos) return data.size() - pos > limits_.max_inline_len ? -1 : 0;
    *line = data.substr(pos, nl - pos);
    pos = nl + 2;
    return 1;
  };
  auto read_string = [&](std::string_view* out) -> int {
    std::string_view line;
    int r = read_line(&line);
    if (r <= 0) return r;
    if (line.empty()) return -1;
    if (line[0] == '+') {
      *out = line.substr(1);
      return 1;
    }
    int64_t len;
    if (line[0] != '$' || !String2ll(line.substr(1), &len) || len < 0 || len > 8192) return -1;
    if (data.size() < pos + static_cast<size_t>(len) + 2) return 0;
    *out = data.substr(pos, static_cast<size_t>(len));
    pos += static_cast<size_t>(len) + 2;
    return 1;
  };

  std::string_view header;
  int r = read_line(&header);
  if (r < 0) return Fail("ERR Protocol error: invalid attribute");
  if (r == 0) return Outcome::kNeedMore;
  int64_t pairs;
  if (!String2ll(header.substr(1), &pairs) || pairs < 0 || pairs > 64) {
    return Fail("ERR Protocol error: invalid attribute length");
  }
  std::string_view keys[64], values[64];
  for (int64_t i = 0; i < pairs; ++i) {
    r = read_string(&keys[i]);
    if (r > 0) r = read_string(&values[i]);
    if (r < 0) return Fail("ERR Protocol error: invalid attribute");
    if (r == 0) return Outcome::kNeedMore;
  }
  for (int64_t i = 0; i < pairs; ++i) {
    if (EqualsIgnoreCase(keys[i], "traceparent")) pending_traceparent_.assign(values[i]);
    if (EqualsIgnoreCase(keys[i], "tracestate")) pending_tracestate_.assign(values[i]);
  }
  *consumed = pos;
  return Outcome::kCommand;  // empty argv: nothing to run; the context waits for the command
}

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  size_t i = 0, n = line.size();
  auto is_space = [](char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0';
  };
  while (true) {
    while (i < n && is_space(line[i])) ++i;
    if (i >= n) return true;
    std::string current;
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      if (in_double) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          current.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          ++i;
          char c = line[i];
          switch (c) {
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            case 'b':
              c = '\b';
              break;
            case 'a':
              c = '\a';
              break;
            default:
              break;
          }
          current.push_back(c);
        } else if (line[i] == '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < n && !is_space(line[i + 1])) return false;
          done = true;
        } else {
          current.push_back(line[i]);
        }
      } else if (in_single) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          current.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !is_space(line[i + 1])) return false;
          done = true;
        } else {
          current.push_back(line[i]);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        switch (line[i]) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            current.push_back(line[i]);
            break;
        }
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(current));
  }
}

}  // namespace ferrite::resp
