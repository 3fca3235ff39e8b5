#pragma once
// Server: the listening socket and N event-loop threads, each owning its connections.
//
// Every loop registers the listening socket with EPOLLEXCLUSIVE, so the kernel wakes one loop
// per incoming connection and the accepting loop keeps it for life. Each loop has its own store
// session and statistics slot, and a 100 ms cron that enforces idle timeouts and CLIENT KILL.
// (The active expiry cycle runs on the main thread, off the event loops: app/wiring.cc.)
//
// Thread safety: Start/Stop from the main thread; the loops run their own connections.

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/event_loop.h"
#include "server/client_connection.h"
#include "server/dispatcher.h"
#include "server/server_context.h"

namespace ferrite::server {

struct ServerOptions {
  std::string bind = "127.0.0.1";  // one or more addresses separated by spaces
  uint16_t port = 6379;
  int threads = 0;  // 0 = number of cores
  size_t max_clients = 10000;
  int timeout_seconds = 0;  // idle clients are closed after this; 0 = never
  int tcp_keepalive = 300;
  ConnectionLimits limits;
  resp::ParserLimits parser_limits;
};

// What a loop thread shares with its connections.
class LoopState {
 public:
  LoopState(ServerContext& server, Dispatcher& dispatcher, const ServerOptions& options,
            size_t index);
  net::EventLoop loop;
  ServerContext& server;
  Dispatcher& dispatcher;
  const ServerOptions& options;
  const size_t index;
  std::unique_ptr<storage::StoreSession> store;
  std::unordered_map<uint64_t, std::unique_ptr<ClientConnection>> connections;

  void Remove(ClientConnection* connection);  // closes and schedules deletion
};

class Server {
 public:
  Server(ServerContext& server, Dispatcher& dispatcher, ServerOptions options);
  ~Server();

  Status Start();
  void Stop();
  uint16_t port() const { return port_; }
  size_t thread_count() const { return loops_.size(); }

 private:
  class Acceptor;

  ServerContext& server_;
  Dispatcher& dispatcher_;
  ServerOptions options_;
  std::vector<int> listen_fds_;
  uint16_t port_ = 0;
  std::vector<std::unique_ptr<LoopState>> loops_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  std::vector<std::thread> threads_;
};

}  // namespace ferrite::server
