#include "server/server.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

#include "net/socket.h"
#include "server/config/runtime_config.h"
#include "storage/traced_session.h"

namespace ferrite::server {

LoopState::LoopState(ServerContext& server, Dispatcher& dispatcher, const ServerOptions& options,
                     size_t index)
    : server(server),
      dispatcher(dispatcher),
      options(options),
      index(index),
      // Sampled commands record their storage and epoch steps through the decorator.
      store(storage::NewTracedSession(server.store().NewSession())) {}

void LoopState::Remove(ClientConnection* connection) {
  uint64_t id = connection->session().id;
  connection->Close();
  auto it = connections.find(id);
  if (it == connections.end()) return;
  // The connection may be on the call stack: delete it after this batch of events.
  loop.DeferDelete(std::move(it->second));
  connections.erase(it);
}

// Accepts connections on one loop. EPOLLEXCLUSIVE spreads wake-ups over the loops.
class Server::Acceptor final : public net::Watcher {
 public:
  Acceptor(LoopState* loop, int listen_fd) : loop_(loop), listen_fd_(listen_fd) {}
  void OnEvents(uint32_t) override {
    for (int i = 0; i < 32; ++i) {
      net::Endpoint peer;
      int fd = net::AcceptConnection(listen_fd_, &peer);
      if (fd < 0) return;  // EAGAIN, or another loop took it
      ThreadStats& stats = loop_->server.stats().Local();
      if (loop_->server.clients().Count() >= loop_->options.max_clients) {
        static constexpr char kMsg[] = "-ERR max number of clients reached\r\n";
        [[maybe_unused]] ssize_t n = write(fd, kMsg, sizeof(kMsg) - 1);
        close(fd);
        stats.rejected_connections.Add();
        continue;
      }
      stats.connections_received.Add();
      auto connection = std::make_unique<ClientConnection>(loop_, fd, peer);
      ClientConnection* raw = connection.get();
      loop_->connections.emplace(raw->session().id, std::move(connection));
      raw->Start();
    }
  }

 private:
  LoopState* loop_;
  int listen_fd_;
};

Server::Server(ServerContext& server, Dispatcher& dispatcher, ServerOptions options)
    : server_(server), dispatcher_(dispatcher), options_(std::move(options)) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  // Like Redis's bind, several addresses may be given; with port 0 the first picks the port and
  // the others use the same one.
  std::vector<std::string> addresses;
  for (size_t i = 0; i < options_.bind.size();) {
    size_t end = options_.bind.find(' ', i);
    if (end == std::string::npos) end = options_.bind.size();
    if (end > i) addresses.push_back(options_.bind.substr(i, end - i));
    i = end + 1;
  }
  if (addresses.empty()) addresses.push_back("0.0.0.0");
  port_ = options_.port;
  for (const std::string& address : addresses) {
    auto fd = net::Listen(address, port_, 511);
    if (!fd) return fd.error();
    listen_fds_.push_back(*fd);
    auto port = net::BoundPort(*fd);
    if (!port) return port.error();
    port_ = *port;
  }
  server_.tcp_port = port_;

  int threads = options_.threads > 0 ? options_.threads
                                     : static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  for (int i = 0; i < threads; ++i) {
    auto state = std::make_unique<LoopState>(server_, dispatcher_, options_, i);
    if (!state->loop.ok()) return Status::IoError("cannot create an epoll event loop");
    for (int fd : listen_fds_) {
      auto acceptor = std::make_unique<Acceptor>(state.get(), fd);
      if (!state->loop.Add(fd, EPOLLIN | EPOLLEXCLUSIVE, acceptor.get())) {
        return Status::IoError("cannot watch the listening socket");
      }
      acceptors_.push_back(std::move(acceptor));
    }
    LoopState* raw = state.get();
    raw->loop.RunEvery(100, [raw] {
      const int64_t now = raw->server.NowMs();
      config::RuntimeConfig* rc = raw->server.runtime_config_if_set();
      const int64_t timeout = rc ? rc->timeout_seconds() : raw->options.timeout_seconds;
      std::vector<ClientConnection*> doomed;
      for (auto& [id, c] : raw->connections) {
        ClientSession& s = c->session();
        // As in Redis, `timeout` spares blocked clients (they have their own) and subscribers.
        bool idle = timeout > 0 && !s.block.registered && s.pubsub.total() == 0 &&
                    now - s.last_interaction_ms.load(std::memory_order_relaxed) > timeout * 1000LL;
        if (s.kill_requested.load(std::memory_order_relaxed) || idle) doomed.push_back(c.get());
      }
      for (ClientConnection* c : doomed) raw->Remove(c);
    });
    loops_.push_back(std::move(state));
  }
  for (size_t i = 0; i < loops_.size(); ++i) {
    LoopState* raw = loops_[i].get();
    threads_.emplace_back([raw] {
      ServerStats::BindThread(raw->index + 1);
      raw->loop.Run();
      // Close what is left on this thread, which owns the connections.
      for (auto& [id, c] : raw->connections) c->Close();
      raw->connections.clear();
    });
  }
  return Status::Ok();
}

void Server::Stop() {
  for (auto& state : loops_) state->loop.Stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  for (int fd : listen_fds_) close(fd);
  listen_fds_.clear();
  loops_.clear();
  acceptors_.clear();
}

}  // namespace ferrite::server
