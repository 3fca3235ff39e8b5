#pragma once
// LiveRedis: a real redis-server (Debian's 7.0.15 at /usr/bin/redis-server) started on a free
// loopback port for comparison tests, plus a RESP reader that returns each reply's exact bytes.
//
//   LiveRedis redis;
//   if (!redis.Start()) GTEST_SKIP() << "no redis-server";
//   std::string bytes = redis.Query({"COMMAND", "INFO", "get"}, /*protocol=*/3);
//
// The server runs with persistence off and is killed by the destructor. Test-only code.
//
// Thread safety: none; one test thread.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ferrite::server::testing {

inline constexpr const char* kRedisServerPath = "/usr/bin/redis-server";

// Length of the first complete RESP2/RESP3 reply in `buf`, or 0 if it is incomplete.
inline size_t RespReplyLength(std::string_view buf, size_t pos = 0) {
  size_t eol = buf.find("\r\n", pos);
  if (pos >= buf.size() || eol == std::string_view::npos) return 0;
  const char type = buf[pos];
  const std::string line(buf.substr(pos + 1, eol - pos - 1));
  const size_t after = eol + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return after - pos;
    case '$':
    case '=':
    case '!': {
      long n = std::strtol(line.c_str(), nullptr, 10);
      if (n < 0) return after - pos;
      if (buf.size() < after + n + 2) return 0;
      return after + n + 2 - pos;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      long n = std::strtol(line.c_str(), nullptr, 10);
      if (n < 0) return after - pos;
      if (type == '%' || type == '|') n *= 2;
      size_t at = after;
      for (long i = 0; i < n; ++i) {
        size_t len = RespReplyLength(buf, at);
        if (len == 0) return 0;
        at += len;
      }
      return at - pos;
    }
    default:
      return 0;
  }
}

// A parsed reply that keeps wire types, for comparing replies whose element order Redis leaves
// to its hash tables (subcommands of a container).
struct RespNode {
  char type = 0;
  std::string text;   // the header line after the type byte, or the bulk payload
  bool null = false;  // "$-1"
  std::vector<RespNode> children;
};

inline size_t ParseResp(std::string_view buf, size_t pos, RespNode* node) {
  size_t eol = buf.find("\r\n", pos);
  node->type = buf[pos];
  node->text = std::string(buf.substr(pos + 1, eol - pos - 1));
  size_t at = eol + 2;
  if (node->type == '$' || node->type == '=') {
    long n = std::strtol(node->text.c_str(), nullptr, 10);
    if (n >= 0) {
      node->text = std::string(buf.substr(at, n));
      at += n + 2;
    } else {
      node->null = true;
    }
  } else if (std::string_view("*~>%|").find(node->type) != std::string_view::npos) {
    long n = std::strtol(node->text.c_str(), nullptr, 10);
    if (node->type == '%' || node->type == '|') n *= 2;
    for (long i = 0; i < n; ++i) {
      node->children.emplace_back();
      at = ParseResp(buf, at, &node->children.back());
    }
  }
  return at;
}

inline void SerializeResp(const RespNode& node, std::string* out) {
  out->push_back(node.type);
  if (node.type == '$' || node.type == '=') {
    if (node.null) {
      out->append("-1\r\n");
      return;
    }
    out->append(std::to_string(node.text.size()) + "\r\n" + node.text + "\r\n");
    return;
  }
  out->append(node.text + "\r\n");
  for (const RespNode& c : node.children) SerializeResp(c, out);
}

class LiveRedis {
 public:
  LiveRedis() = default;
  LiveRedis(const LiveRedis&) = delete;
  LiveRedis& operator=(const LiveRedis&) = delete;
  ~LiveRedis() {
    for (int fd : fds_) {
      if (fd >= 0) close(fd);
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Starts the server; false if it is not installed or does not come up.
  bool Start() {
    if (access(kRedisServerPath, X_OK) != 0) return false;
    port_ = FreePort();
    if (port_ == 0) return false;
    const std::string port = std::to_string(port_);
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      int devnull = open("/dev/null", O_RDWR);
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
      if (chdir("/tmp") != 0) _exit(127);
      execl(kRedisServerPath, kRedisServerPath, "--port", port.c_str(), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    // Startup takes a few milliseconds; allow up to ten seconds on a loaded machine.
    for (int attempt = 0; attempt < 1000; ++attempt) {
      fds_[0] = Connect();
      if (fds_[0] >= 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (fds_[0] < 0) return false;
    fds_[1] = Connect();
    if (fds_[1] < 0) return false;
    return Query({"HELLO", "3"}, 3).rfind("%", 0) == 0;
  }

  // Sends one command on the RESP2 or RESP3 connection and returns the reply's bytes.
  std::string Query(const std::vector<std::string_view>& argv, int protocol) {
    int fd = fds_[protocol == 3 ? 1 : 0];
    std::string req = "*" + std::to_string(argv.size()) + "\r\n";
    for (std::string_view a : argv) {
      req += "$" + std::to_string(a.size()) + "\r\n";
      req.append(a);
      req += "\r\n";
    }
    for (size_t sent = 0; sent < req.size();) {
      ssize_t n = write(fd, req.data() + sent, req.size() - sent);
      if (n <= 0) return "<write failed>";
      sent += static_cast<size_t>(n);
    }
    std::string& buf = pending_[protocol == 3 ? 1 : 0];
    while (true) {
      size_t len = RespReplyLength(buf);
      if (len > 0) {
        std::string reply = buf.substr(0, len);
        buf.erase(0, len);
        return reply;
      }
      char chunk[65536];
      ssize_t n = read(fd, chunk, sizeof(chunk));
      if (n <= 0) return "<read failed>";
      buf.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  static int FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    close(fd);
    return port;
  }

  int Connect() const {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }

  pid_t pid_ = -1;
  int port_ = 0;
  int fds_[2] = {-1, -1};
  std::string pending_[2];
};

}  // namespace ferrite::server::testing
