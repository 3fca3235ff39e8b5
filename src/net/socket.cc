#include "net/socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ferrite::net {

namespace {

Endpoint FromSockaddr(const sockaddr_storage& ss) {
  Endpoint e;
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    e.port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    e.port = ntohs(a->sin6_port);
  }
  e.ip = buf;
  return e;
}

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

}  // namespace

std::string Endpoint::ToString() const { return ip + ":" + std::to_string(port); }

Result<int> Listen(const std::string& bind_address, uint16_t port, int backlog) {
  std::string addr = bind_address;
  if (addr == "*" || addr.empty()) addr = "0.0.0.0";
  sockaddr_storage ss{};
  socklen_t len;
  int family;
  if (addr.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (inet_pton(AF_INET6, addr.c_str(), &a->sin6_addr) != 1) {
      return Status::InvalidArgument("invalid bind address '" + bind_address + "'");
    }
    family = AF_INET6;
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (inet_pton(AF_INET, addr.c_str(), &a->sin_addr) != 1) {
      return Status::InvalidArgument("invalid bind address '" + bind_address + "'");
    }
    family = AF_INET;
    len = sizeof(sockaddr_in);
  }
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    Status st = Errno("bind " + addr + ":" + std::to_string(port));
    close(fd);
    return st;
  }
  if (listen(fd, backlog) != 0) {
    Status st = Errno("listen");
    close(fd);
    return st;
  }
  return fd;
}

Result<uint16_t> BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return Errno("getsockname");
  return FromSockaddr(ss).port;
}

int AcceptConnection(int listen_fd, Endpoint* peer) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (peer) *peer = FromSockaddr(ss);
  return fd;
}

Endpoint LocalEndpoint(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return FromSockaddr(ss);
}

void SetKeepAlive(int fd, int interval_seconds) {
  if (interval_seconds <= 0) return;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &interval_seconds, sizeof(interval_seconds));
  int intvl = interval_seconds / 3 > 0 ? interval_seconds / 3 : 1;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
  int cnt = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

}  // namespace ferrite::net
