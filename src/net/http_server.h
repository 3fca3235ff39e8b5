#pragma once
// HttpServer: a small HTTP/1.1 server for Ferrite's own endpoints (GET /metrics). It runs one
// EventLoop on its own thread, so a scrape never runs on (or waits for) a command thread.
//
// Scope, deliberately small: GET and HEAD only (others: 405 with Allow), no request bodies
// (Content-Length > 0 or Transfer-Encoding: 400), request head at most max_request_bytes
// (431), HTTP/1.0 and HTTP/1.1 (others: 505). Keep-alive per HTTP/1.1 rules (Connection: close
// honoured; HTTP/1.0 closes unless it asks for keep-alive), pipelined requests answered in
// order, idle connections closed after idle_timeout_ms, at most max_connections at once (more
// are accepted and closed at once). A malformed request gets 400 and the connection is closed.
// Responses carry Content-Length; HEAD gets the headers of the GET without the body.
//
// Thread safety: Start/Stop/port from any thread. The handler runs on the server's thread, one
// request at a time.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace ferrite::net {

struct HttpRequest {
  std::string method;  // as sent ("GET")
  std::string target;  // "/metrics?x=1"
  std::string path;    // "/metrics"
  int minor_version = 1;
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent

  // First header named `name` (case-insensitive), or empty.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

std::string_view HttpReason(int status);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  struct Options {
    std::string bind = "127.0.0.1";
    uint16_t port = 9090;  // 0 picks a free port
    size_t max_connections = 64;
    size_t max_request_bytes = 16 * 1024;
    int idle_timeout_ms = 30'000;
    std::string thread_name = "ferrite-http";
  };

  // Binds, listens and starts the thread. Fails if the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(const Options& options, Handler handler);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const { return port_; }
  // Closes the listener and every connection and joins the thread. Idempotent.
  void Stop();

  struct Impl;

 private:
  HttpServer() = default;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace ferrite::net
