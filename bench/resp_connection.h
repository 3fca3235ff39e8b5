// RESP over a blocking TCP socket for bench/zipf_load.cc: commands out, and the replies GET and
// SET get back (bulk strings or nil, simple strings, errors) parsed from a read buffer.
//
// Thread safety: a Connection belongs to one thread.

#pragma once

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

namespace ferrite::bench {

// Appends one command as a RESP array of bulk strings.
inline void AppendCommand(std::string* out, std::initializer_list<std::string_view> args) {
  *out += '*';
  *out += std::to_string(args.size());
  *out += "\r\n";
  for (std::string_view arg : args) {
    *out += '$';
    *out += std::to_string(arg.size());
    *out += "\r\n";
    *out += arg;
    *out += "\r\n";
  }
}

// One blocking TCP connection with a read buffer and a parser for the replies GET and SET get:
// bulk strings (or nil), simple strings and errors.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool Connect(const std::string& host, const std::string& port, std::string* error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
      *error = std::string("resolve ") + host + ": " + gai_strerror(rc);
      return false;
    }
    for (addrinfo* a = res; a != nullptr && fd_ < 0; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd_ >= 0 && ::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
        ::close(fd_);
        fd_ = -1;
      }
    }
    freeaddrinfo(res);
    if (fd_ < 0) {
      *error = "connect " + host + ":" + port + ": " + std::strerror(errno);
      return false;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return true;
  }

  bool WriteAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  enum class Reply { kValue, kNil, kStatus, kError, kBroken };

  // Reads one reply. For a bulk string, *size is its length; for an error, *text its message.
  Reply Read(size_t* size, std::string* text) {
    std::string_view line;
    if (!ReadLine(&line) || line.empty()) return Reply::kBroken;
    const char kind = line[0];
    line.remove_prefix(1);
    if (kind == '+') return Reply::kStatus;
    if (kind == '-') {
      if (text->empty()) text->assign(line);
      return Reply::kError;
    }
    if (kind != '$') return Reply::kBroken;
    long long len = 0;
    if (std::from_chars(line.data(), line.data() + line.size(), len).ec != std::errc()) {
      return Reply::kBroken;
    }
    if (len < 0) return Reply::kNil;
    *size = static_cast<size_t>(len);
    return Skip(*size + 2) ? Reply::kValue : Reply::kBroken;
  }

 private:
  bool Fill() {
    if (begin_ > 0) {
      buf_.erase(0, begin_);
      begin_ = 0;
    }
    const size_t old = buf_.size();
    buf_.resize(old + kChunk);
    ssize_t n;
    do {
      n = ::recv(fd_, buf_.data() + old, kChunk, 0);
    } while (n < 0 && errno == EINTR);
    buf_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
    return n > 0;
  }

  bool ReadLine(std::string_view* line) {
    for (;;) {
      const size_t eol = buf_.find("\r\n", begin_);
      if (eol != std::string::npos) {
        *line = std::string_view(buf_).substr(begin_, eol - begin_);
        begin_ = eol + 2;
        return true;
      }
      if (!Fill()) return false;
    }
  }

  bool Skip(size_t n) {
    while (buf_.size() - begin_ < n) {
      n -= buf_.size() - begin_;
      buf_.clear();
      begin_ = 0;
      if (!Fill()) return false;
    }
    begin_ += n;
    return true;
  }

  static constexpr size_t kChunk = 64 * 1024;
  int fd_ = -1;
  std::string buf_;
  size_t begin_ = 0;
};

}  // namespace ferrite::bench
