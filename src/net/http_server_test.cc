#include "net/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>

namespace ferrite::net {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { close(fd_); }
  bool connected() const { return connected_; }

  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads one response (head + Content-Length body, or no body for HEAD). Empty on EOF/timeout.
  void ShutdownWrite() { shutdown(fd_, SHUT_WR); }

  std::string ReadResponse(bool head_request = false) {
    for (;;) {
      size_t end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t body = 0;
        size_t cl = buf_.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) body = std::stoul(buf_.substr(cl + 16));
        if (head_request) body = 0;
        if (buf_.size() >= end + 4 + body) {
          std::string resp = buf_.substr(0, end + 4 + body);
          buf_.erase(0, end + 4 + body);
          return resp;
        }
      }
      if (!Fill()) return {};
    }
  }

  // True when the server closed the connection (EOF) with nothing more to read.
  bool ClosedByServer() {
    while (Fill()) {
    }
    return eof_;
  }

 private:
  bool Fill() {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 10'000) <= 0) return false;  // generous: a hang fails, speed is not tested
    char tmp[65536];
    ssize_t n = read(fd_, tmp, sizeof tmp);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServer::Options opt = {}) {
    opt.bind = "127.0.0.1";
    opt.port = 0;
    auto server = HttpServer::Start(opt, [this](const HttpRequest& req) {
      ++requests_;
      HttpResponse resp;
      if (req.path == "/big") {
        resp.body.assign(4 << 20, 'x');
      } else if (req.path == "/metrics") {
        resp.body = "accept=" + std::string(req.Header("accept")) + " target=" + req.target;
      } else {
        resp.status = 404;
        resp.body = "nope";
      }
      return resp;
    });
    ASSERT_TRUE(server) << server.error().ToString();
    server_ = std::move(*server);
  }
  uint16_t port() const { return server_->port(); }

  std::unique_ptr<HttpServer> server_;
  std::atomic<int> requests_{0};
};

TEST_F(HttpServerTest, GetKeepAliveAndHeaders) {
  Start();
  Client c(port());
  ASSERT_TRUE(c.connected());
  c.Send("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept: text/plain\r\n\r\n");
  std::string r = c.ReadResponse();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(r, HasSubstr("Connection: keep-alive\r\n"));
  EXPECT_THAT(r, HasSubstr("\r\n\r\naccept=text/plain target=/metrics?x=1"));
  // Same connection, second request.
  c.Send("GET /other HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_EQ(requests_.load(), 2);
}

TEST_F(HttpServerTest, HeadHasLengthButNoBody) {
  Start();
  Client c(port());
  c.Send("HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
  std::string head = c.ReadResponse(true);
  std::string get = c.ReadResponse();
  EXPECT_THAT(head, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_THAT(head, HasSubstr("Content-Length: 23\r\n"));  // the GET's body length
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
  EXPECT_THAT(get, HasSubstr("Content-Length: 23\r\n"));
  EXPECT_EQ(get.substr(get.size() - 23), "accept= target=/metrics");
  EXPECT_EQ(requests_.load(), 2);
}

TEST_F(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  Start();
  Client c(port());
  c.Send(
      "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
      "GET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 200"));
  std::string last = c.ReadResponse();
  EXPECT_THAT(last, StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(last, HasSubstr("Connection: close\r\n"));
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HttpServerTest, RequestSplitAcrossWrites) {
  Start();
  Client c(port());
  std::string req = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n";
  for (char ch : req) {
    c.Send(std::string_view(&ch, 1));
  }
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 200"));
}

TEST_F(HttpServerTest, BareLineFeedsAccepted) {
  Start();
  Client c(port());
  c.Send("GET /metrics HTTP/1.0\n\n");
  std::string r = c.ReadResponse();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(r, HasSubstr("Connection: close"));  // HTTP/1.0 without keep-alive
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HttpServerTest, Http10KeepAliveHonoured) {
  Start();
  Client c(port());
  c.Send("GET /metrics HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  EXPECT_THAT(c.ReadResponse(), HasSubstr("Connection: keep-alive"));
  c.Send("GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 200"));
  EXPECT_TRUE(c.ClosedByServer());
}

struct BadCase {
  const char* request;
  const char* status_line;
};

TEST_F(HttpServerTest, BadRequestsGetAnErrorAndAClose) {
  Start();
  const BadCase cases[] = {
      {"GARBAGE\r\n\r\n", "HTTP/1.1 400 "},
      {"GET  /metrics HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 400 "},
      {"GET /metrics HTTP/1.1 extra\r\nHost: a\r\n\r\n", "HTTP/1.1 400 "},
      {"GET metrics HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 400 "},
      {"GET /metrics HTTP/2.0\r\nHost: a\r\n\r\n", "HTTP/1.1 505 "},
      {"GET /metrics FTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 400 "},
      {"GET /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "},  // no Host
      {"GET /metrics HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n", "HTTP/1.1 400 "},
      {"GET /metrics HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "HTTP/1.1 400 "},
      {"GET /metrics HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", "HTTP/1.1 400 "},
      {"GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", "HTTP/1.1 400 "},
      {"GET /metrics HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       "HTTP/1.1 400 "},
      {"GET /met\x01rics HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 400 "},
  };
  for (const BadCase& bc : cases) {
    Client c(port());
    c.Send(bc.request);
    std::string r = c.ReadResponse();
    EXPECT_THAT(r, StartsWith(bc.status_line)) << bc.request;
    EXPECT_THAT(r, HasSubstr("Connection: close")) << bc.request;
    EXPECT_TRUE(c.ClosedByServer()) << bc.request;
  }
  EXPECT_EQ(requests_.load(), 0);  // the handler never saw any of them
}

TEST_F(HttpServerTest, MethodNotAllowed) {
  Start();
  Client c(port());
  c.Send("POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
  std::string r = c.ReadResponse();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 405 Method Not Allowed\r\n"));
  EXPECT_THAT(r, HasSubstr("Allow: GET, HEAD\r\n"));
  c.Send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");  // still usable
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 200"));
}

TEST_F(HttpServerTest, OversizedHeadIsRejected) {
  HttpServer::Options opt;
  opt.max_request_bytes = 1024;
  Start(opt);
  Client c(port());
  c.Send("GET /metrics HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 431 "));
  EXPECT_TRUE(c.ClosedByServer());
  // Never-ending head without a blank line: also 431, not unbounded buffering.
  Client d(port());
  d.Send("GET /metrics HTTP/1.1\r\n" + std::string(8000, 'b'));
  EXPECT_THAT(d.ReadResponse(), StartsWith("HTTP/1.1 431 "));
}

TEST_F(HttpServerTest, LargeResponseIsWrittenCompletely) {
  Start();
  Client c(port());
  c.Send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
  std::string r = c.ReadResponse();
  EXPECT_THAT(r, HasSubstr("Content-Length: 4194304\r\n"));
  EXPECT_EQ(r.size() - (r.find("\r\n\r\n") + 4), 4u << 20);
  c.Send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 200"));
}

TEST_F(HttpServerTest, ConnectionLimitClosesExtraConnections) {
  HttpServer::Options opt;
  opt.max_connections = 2;
  Start(opt);
  Client a(port()), b(port());
  a.Send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
  b.Send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_THAT(a.ReadResponse(), StartsWith("HTTP/1.1 200"));
  ASSERT_THAT(b.ReadResponse(), StartsWith("HTTP/1.1 200"));
  Client extra(port());
  EXPECT_TRUE(extra.ClosedByServer());
}

TEST_F(HttpServerTest, IdleConnectionsAreClosed) {
  HttpServer::Options opt;
  opt.idle_timeout_ms = 50;
  Start(opt);
  Client c(port());
  ASSERT_TRUE(c.connected());
  EXPECT_TRUE(c.ClosedByServer());  // waits (up to 10 s) for the server to close it
}

TEST_F(HttpServerTest, PeerHalfCloseStillGetsTheAnswer) {
  Start();
  Client c(port());
  c.Send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
  c.ShutdownWrite();  // the client half-closes right away
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 200"));
  EXPECT_TRUE(c.ClosedByServer());
}

TEST(HttpServerStartTest, BindFailureIsReported) {
  auto a = HttpServer::Start({.bind = "127.0.0.1", .port = 0},
                             [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_TRUE(a);
  auto b = HttpServer::Start({.bind = "127.0.0.1", .port = (*a)->port()},
                             [](const HttpRequest&) { return HttpResponse{}; });
  EXPECT_FALSE(b);
  auto c = HttpServer::Start({.bind = "not-an-address", .port = 0},
                             [](const HttpRequest&) { return HttpResponse{}; });
  EXPECT_FALSE(c);
  (*a)->Stop();
  (*a)->Stop();  // idempotent
}

}  // namespace
}  // namespace ferrite::net
