#include "resp/reply_builder.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace ferrite::resp {

namespace {
void AppendNumber(std::string* out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}
}  // namespace

std::string FormatDouble(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (std::isnan(value)) return "nan";
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", value);
  return std::string(buf, n);
}

void ReplyBuilder::Header(char type, size_t n) {
  out_->push_back(type);
  AppendNumber(out_, static_cast<int64_t>(n));
  out_->append("\r\n");
}

void ReplyBuilder::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::Error(std::string_view message) {
  size_t space = message.find(' ');
  last_error_code_.assign(message.substr(0, space));
  ++errors_written_;
  out_->push_back('-');
  // A newline inside an error would break the protocol; Redis replaces them with spaces.
  size_t start = out_->size();
  out_->append(message);
  for (size_t i = start; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n");
}

void ReplyBuilder::Integer(int64_t value) {
  out_->push_back(':');
  AppendNumber(out_, value);
  out_->append("\r\n");
}

void ReplyBuilder::Bulk(std::string_view value) {
  Header('$', value.size());
  out_->append(value);
  out_->append("\r\n");
}

void ReplyBuilder::Null() { out_->append(protocol_ >= 3 ? "_\r\n" : "$-1\r\n"); }
void ReplyBuilder::NullArray() { out_->append(protocol_ >= 3 ? "_\r\n" : "*-1\r\n"); }
void ReplyBuilder::ArrayHeader(size_t n) { Header('*', n); }
void ReplyBuilder::MapHeader(size_t pairs) {
  protocol_ >= 3 ? Header('%', pairs) : Header('*', pairs * 2);
}
void ReplyBuilder::SetHeader(size_t n) { Header(protocol_ >= 3 ? '~' : '*', n); }
void ReplyBuilder::PushHeader(size_t n) { Header(protocol_ >= 3 ? '>' : '*', n); }
void ReplyBuilder::AttributeHeader(size_t pairs) {
  if (protocol_ >= 3) Header('|', pairs);
}

void ReplyBuilder::Double(double value) {
  if (protocol_ >= 3) {
    out_->push_back(',');
    out_->append(FormatDouble(value));
    out_->append("\r\n");
  } else {
    Bulk(FormatDouble(value));
  }
}

void ReplyBuilder::Bool(bool value) {
  if (protocol_ >= 3) {
    out_->append(value ? "#t\r\n" : "#f\r\n");
  } else {
    Integer(value ? 1 : 0);
  }
}

void ReplyBuilder::Verbatim(std::string_view format, std::string_view text) {
  if (protocol_ < 3) return Bulk(text);
  Header('=', text.size() + 4);
  out_->append(format.substr(0, 3));
  out_->push_back(':');
  out_->append(text);
  out_->append("\r\n");
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (protocol_ < 3) return Bulk(digits);
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n");
}

}  // namespace ferrite::resp
