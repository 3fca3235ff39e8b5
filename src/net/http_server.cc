#include "net/http_server.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <thread>

#include "base/clock.h"
#include "net/event_loop.h"
#include "net/socket.h"

namespace ferrite::net {

namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// RFC 9110 tchar.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether the comma-separated header value lists `token` (case-insensitive).
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (IEquals(TrimOws(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// End of the request head (index just past the blank line), or npos. Lines may end in CRLF or
// a bare LF.
size_t FindHeadEnd(std::string_view buf) {
  for (size_t pos = buf.find('\n'); pos != std::string_view::npos; pos = buf.find('\n', pos + 1)) {
    if (pos + 1 < buf.size() && buf[pos + 1] == '\n') return pos + 2;
    if (pos + 2 < buf.size() && buf[pos + 1] == '\r' && buf[pos + 2] == '\n') return pos + 3;
  }
  return std::string_view::npos;
}

enum class ParseResult { kOk, kBadRequest, kBadVersion };

ParseResult ParseHead(std::string_view head, HttpRequest* req) {
  std::vector<std::string_view> lines;
  while (!head.empty()) {
    size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    head.remove_prefix(nl + 1);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return ParseResult::kBadRequest;

  std::string_view rl = lines[0];
  size_t sp1 = rl.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : rl.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || rl.find(' ', sp2 + 1) != std::string_view::npos) {
    return ParseResult::kBadRequest;
  }
  std::string_view method = rl.substr(0, sp1);
  std::string_view target = rl.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = rl.substr(sp2 + 1);
  if (!IsToken(method) || target.empty()) return ParseResult::kBadRequest;
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return ParseResult::kBadRequest;
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return ParseResult::kBadRequest;
  }
  if (version[5] != '1') return ParseResult::kBadVersion;
  req->minor_version = version[7] - '0';
  req->method.assign(method);
  req->target.assign(target);
  std::string_view path = target;
  if (path.substr(0, 7) == "http://" || path.substr(0, 8) == "https://") {  // absolute-form
    size_t slash = path.find('/', path.find("//") + 2);
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  if (path.empty() || (path[0] != '/' && path != "*")) return ParseResult::kBadRequest;
  req->path.assign(path.substr(0, path.find_first_of("?#")));

  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty() || line[0] == ' ' || line[0] == '\t') return ParseResult::kBadRequest;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return ParseResult::kBadRequest;
    }
    req->headers.emplace_back(std::string(line.substr(0, colon)),
                              std::string(TrimOws(line.substr(colon + 1))));
  }
  return ParseResult::kOk;
}

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return {};
}

std::string_view HttpReason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

struct HttpServer::Impl {
  class Listener;
  class Connection;

  Options options;
  Handler handler;
  EventLoop loop;
  int listen_fd = -1;
  std::unique_ptr<Listener> listener;
  std::map<int, std::unique_ptr<Connection>> connections;
  std::thread thread;
  bool stopped = false;

  void Accept();
  void Close(Connection* c);
  void CloseIdle();
};

class HttpServer::Impl::Listener final : public Watcher {
 public:
  explicit Listener(Impl* impl) : impl_(impl) {}
  void OnEvents(uint32_t) override { impl_->Accept(); }

 private:
  Impl* impl_;
};

class HttpServer::Impl::Connection final : public Watcher {
 public:
  Connection(Impl* impl, int fd) : impl_(impl), fd_(fd), last_active_ms_(MonotonicMs()) {}
  ~Connection() override {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }
  int64_t last_active_ms() const { return last_active_ms_; }

  void OnEvents(uint32_t events) override {
    if (closed_) return;
    last_active_ms_ = MonotonicMs();
    if (events & (EPOLLERR | EPOLLHUP)) return impl_->Close(this);
    if ((events & EPOLLOUT) && !Flush()) return;
    if (events & (EPOLLIN | EPOLLRDHUP)) {
      if (!ReadAll()) return;
    }
    if (out_.empty()) Process();
    if (!closed_) Flush();
  }

  void MarkClosed() { closed_ = true; }

 private:
  // Reads what is available. Returns false if the connection was closed.
  bool ReadAll() {
    char buf[4096];
    for (;;) {
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n > 0) {
        in_.append(buf, static_cast<size_t>(n));
        if (in_.size() > impl_->options.max_request_bytes * 4) break;  // enough to act on
        continue;
      }
      if (n == 0) {
        peer_closed_ = true;
        break;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      impl_->Close(this);
      return false;
    }
    return true;
  }

  // Answers every complete request in the buffer (stops after one that closes).
  void Process() {
    while (!close_after_write_) {
      size_t end = FindHeadEnd(in_);
      if (end == std::string::npos) {
        if (in_.size() > impl_->options.max_request_bytes) {
          Error(431);
        } else if (peer_closed_ && !in_.empty()) {
          Error(400);
        }
        break;
      }
      if (end > impl_->options.max_request_bytes) {
        Error(431);
        break;
      }
      HttpRequest req;
      ParseResult parsed = ParseHead(std::string_view(in_).substr(0, end), &req);
      in_.erase(0, end);
      if (parsed == ParseResult::kBadVersion) {
        Error(505);
        break;
      }
      if (parsed != ParseResult::kOk) {
        Error(400);
        break;
      }
      Answer(req);
    }
    if (peer_closed_ && out_.empty() && !close_after_write_) close_after_write_ = true;
  }

  void Answer(const HttpRequest& req) {
    std::string_view length = req.Header("Content-Length");
    if (!req.Header("Transfer-Encoding").empty() ||
        (!length.empty() && length.find_first_not_of('0') != std::string_view::npos)) {
      return Error(400);  // no endpoint takes a body; we cannot tell where it ends safely
    }
    if (req.minor_version == 1 && req.Header("Host").empty()) return Error(400);
    std::string_view connection = req.Header("Connection");
    bool keep_alive = req.minor_version == 1 ? !HasToken(connection, "close")
                                             : HasToken(connection, "keep-alive");
    const bool head = req.method == "HEAD";
    HttpResponse resp;
    if (req.method != "GET" && !head) {
      resp.status = 405;
      resp.body = "method not allowed\n";
      resp.headers.emplace_back("Allow", "GET, HEAD");
    } else {
      resp = impl_->handler(req);
    }
    if (!keep_alive) close_after_write_ = true;
    Write(resp, head, keep_alive);
  }

  void Error(int status) {
    HttpResponse resp;
    resp.status = status;
    resp.body = std::string(HttpReason(status)) + "\n";
    close_after_write_ = true;
    Write(resp, false, false);
  }

  void Write(const HttpResponse& resp, bool head, bool keep_alive) {
    out_.append("HTTP/1.1 ");
    out_.append(std::to_string(resp.status));
    out_.push_back(' ');
    out_.append(HttpReason(resp.status));
    out_.append("\r\nContent-Type: ");
    out_.append(resp.content_type);
    out_.append("\r\nContent-Length: ");
    out_.append(std::to_string(resp.body.size()));
    out_.append(keep_alive ? "\r\nConnection: keep-alive\r\n" : "\r\nConnection: close\r\n");
    for (const auto& [k, v] : resp.headers) {
      out_.append(k);
      out_.append(": ");
      out_.append(v);
      out_.append("\r\n");
    }
    out_.append("\r\n");
    if (!head) out_.append(resp.body);
  }

  // Writes pending output. Returns false if the connection was closed.
  bool Flush() {
    while (sent_ < out_.size()) {
      ssize_t n = send(fd_, out_.data() + sent_, out_.size() - sent_, MSG_NOSIGNAL);
      if (n > 0) {
        sent_ += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!want_write_) {
          want_write_ = true;
          // Pause reading meanwhile; a peer that already half-closed would keep RDHUP firing.
          impl_->loop.Modify(fd_, EPOLLOUT | (peer_closed_ ? 0u : uint32_t{EPOLLRDHUP}), this);
        }
        return true;
      }
      impl_->Close(this);
      return false;
    }
    out_.clear();
    sent_ = 0;
    if (close_after_write_) {
      shutdown(fd_, SHUT_WR);
      impl_->Close(this);
      return false;
    }
    if (want_write_) {
      want_write_ = false;
      impl_->loop.Modify(fd_, EPOLLIN | EPOLLRDHUP, this);
      Process();  // requests that arrived while we were writing
      if (!out_.empty()) return Flush();
    }
    return true;
  }

  Impl* impl_;
  int fd_;
  int64_t last_active_ms_;
  std::string in_;
  std::string out_;
  size_t sent_ = 0;
  bool want_write_ = false;
  bool close_after_write_ = false;
  bool peer_closed_ = false;
  bool closed_ = false;
};

void HttpServer::Impl::Accept() {
  for (;;) {
    Endpoint peer;
    int fd = AcceptConnection(listen_fd, &peer);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN, or EMFILE and friends: try again on the next wake-up
    }
    if (connections.size() >= options.max_connections) {
      close(fd);
      continue;
    }
    auto conn = std::make_unique<Connection>(this, fd);
    if (!loop.Add(fd, EPOLLIN | EPOLLRDHUP, conn.get())) continue;  // conn closes fd
    connections.emplace(fd, std::move(conn));
  }
}

void HttpServer::Impl::Close(Connection* c) {
  auto it = connections.find(c->fd());
  if (it == connections.end()) return;
  c->MarkClosed();
  loop.Remove(c->fd());
  loop.DeferDelete(std::move(it->second));  // may still be on this batch's event list
  connections.erase(it);
}

void HttpServer::Impl::CloseIdle() {
  const int64_t now = MonotonicMs();
  std::vector<Connection*> idle;
  for (auto& [fd, c] : connections) {
    if (now - c->last_active_ms() > options.idle_timeout_ms) idle.push_back(c.get());
  }
  for (Connection* c : idle) Close(c);
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const Options& options, Handler handler) {
  std::unique_ptr<HttpServer> server(new HttpServer);
  server->impl_ = std::make_unique<Impl>();
  Impl& impl = *server->impl_;
  impl.options = options;
  impl.handler = std::move(handler);
  if (!impl.loop.ok()) return Status::IoError("http server: event loop setup failed");
  Result<int> fd = Listen(options.bind, options.port, 128);
  if (!fd) return fd.error();
  impl.listen_fd = *fd;
  Result<uint16_t> port = BoundPort(impl.listen_fd);
  if (!port) {
    close(impl.listen_fd);
    return port.error();
  }
  server->port_ = *port;
  impl.listener = std::make_unique<Impl::Listener>(&impl);
  if (!impl.loop.Add(impl.listen_fd, EPOLLIN, impl.listener.get())) {
    close(impl.listen_fd);
    return Status::IoError("http server: epoll_ctl failed");
  }
  int tick = std::max(10, std::min(1000, options.idle_timeout_ms / 2));
  impl.loop.RunEvery(tick, [&impl] { impl.CloseIdle(); });
  impl.thread = std::thread([&impl] {
    pthread_setname_np(pthread_self(), impl.options.thread_name.substr(0, 15).c_str());
    impl.loop.Run();
  });
  return server;
}

void HttpServer::Stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->loop.Stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  // The loop no longer runs: tearing down from this thread is safe.
  impl_->connections.clear();
  if (impl_->listen_fd >= 0) close(impl_->listen_fd);
  impl_->listen_fd = -1;
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace ferrite::net
