#pragma once
// Socket helpers: listening sockets, accept, peer/local addresses. Thin wrappers over the
// syscalls that report failures as Status with errno text.

#include <cstdint>
#include <string>

#include "base/result.h"

namespace ferrite::net {

// A non-blocking TCP listening socket bound to `bind_address:port` (IPv4 or IPv6 literal, or
// "*" / "0.0.0.0" / "::" for any). Port 0 picks a free port; BoundPort() tells which.
Result<int> Listen(const std::string& bind_address, uint16_t port, int backlog);
Result<uint16_t> BoundPort(int fd);

struct Endpoint {
  std::string ip;
  uint16_t port = 0;
  std::string ToString() const;  // "ip:port", "[v6]:port" style as Redis prints it: ip:port
};

// Accepts one connection as a non-blocking, close-on-exec socket with TCP_NODELAY. Returns -1
// with errno set when none is ready.
int AcceptConnection(int listen_fd, Endpoint* peer);
Endpoint LocalEndpoint(int fd);
void SetKeepAlive(int fd, int interval_seconds);

}  // namespace ferrite::net
