#pragma once
// ClientConnection: one client socket on one event loop: reads bytes, parses commands, runs them
// through the Dispatcher, and writes replies in order.
//
// Flow control, as Redis's limits intend:
//   * The query buffer may not exceed client-query-buffer-limit: the client is disconnected.
//   * While a command is pending on a disk read, the connection stops reading, so pipelined
//     commands wait in the kernel's socket buffer and replies keep their order.
//   * While unsent replies exceed the soft output limit, the connection stops reading and
//     running commands, so a client that never reads cannot grow server memory without bound;
//     a hard output limit (client-output-buffer-limit) disconnects it. Clients with Pub/Sub
//     subscriptions get the pubsub class's hard and soft limits from CONFIG.
//   * A blocked command (BLPOP...) parks the connection like a pending one: its argv stays in
//     the input buffer, later pipelined commands wait, reading stops, and a peer that hangs up
//     is noticed through EPOLLRDHUP. It resumes on a key signal, its timeout timer (on this
//     loop), or CLIENT UNBLOCK, all of which arrive as tasks posted to this loop.
//   * Pub/Sub messages arrive as posted tasks too and are appended to the output buffer; a
//     publisher never writes to this connection itself.
//
// Thread safety: owned by its event loop's thread. The ResidencyWaiter callback may come from a
// storage I/O thread, and Pub/Sub and blocking wake-ups from any thread; they only post to the
// loop, through handles that outlive the connection and are detached when it closes.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/byte_buffer.h"
#include "net/event_loop.h"
#include "net/socket.h"
#include "resp/reply_builder.h"
#include "resp/request_parser.h"
#include "server/client_session.h"
#include "server/dispatcher.h"

namespace ferrite::server {

class LoopState;

struct ConnectionLimits {
  size_t query_buffer_limit = 1024ULL * 1024 * 1024;  // client-query-buffer-limit
  size_t output_soft_limit = 64ULL * 1024 * 1024;     // stop reading past this
  size_t output_hard_limit = 0;                       // 0 = no disconnect (Redis's normal class)
};

class ClientConnection final : public net::Watcher {
 public:
  ClientConnection(LoopState* loop, int fd, const net::Endpoint& peer);
  ~ClientConnection() override;

  void Start();
  void OnEvents(uint32_t events) override;
  // Closes now (CLIENT KILL, shutdown, timeouts). Safe to call more than once.
  void Close();
  ClientSession& session() { return session_; }
  bool closed() const { return fd_ < 0; }

 private:
  class Waiter;
  class Handle;

  void StartTrace(std::span<const std::string_view> argv, int64_t parse_start_ns);
  void FinishTrace(bool written);
  void ReadInput();
  void ProcessInput();
  DispatchOutcome RunCommand(std::span<const std::string_view> argv);
  void OnResident();
  // Blocking commands: park, resume on a wake / timeout / CLIENT UNBLOCK, finish.
  void Park();
  void ResumeParked();
  void FinishParkedCommand();
  void CancelBlockTimer();
  void OnKeyReady(uint64_t block_seq, storage::DbIndex db, const std::string& key);
  void OnBlockTimeout();
  void OnUnblockRequest(uint64_t block_seq, bool error);
  // Leaves the blocking registry (the command then answers by timeout or error).
  void LeaveBlockingRegistry();
  // Pub/Sub: formats a message into the output buffer and sends it.
  void Deliver(const PubSubMessage& message);
  // Whether the unsent output breaks this client's class limits (normal, or pubsub).
  bool OverOutputLimit(size_t unsent);
  void OnDurable(bool durable);
  // Under appendfsync always: holds the output until the AOF says the batch's writes are on disk.
  bool HoldForDurability();
  void Flush();
  void UpdateInterest();
  void CompactInput();

  LoopState* loop_;
  int fd_;
  ClientSession session_;
  resp::RequestParser parser_;
  net::ByteBuffer input_;
  size_t input_start_ = 0;  // bytes before this were consumed
  std::string output_;
  size_t output_start_ = 0;  // bytes before this were sent
  resp::ReplyBuilder reply_;
  bool want_write_ = false;
  bool reading_ = true;
  uint32_t interest_ = 0;
  // A command waiting for disk: its argv (views into input_) and the bytes it occupies.
  bool pending_ = false;
  size_t pending_consumed_ = 0;
  std::vector<std::string_view> pending_argv_;
  std::shared_ptr<Waiter> waiter_;
  // Pub/Sub and blocking endpoint (ClientSession::subscriber / blocker point into it).
  std::shared_ptr<Handle> handle_;
  // A blocked command is parked (argv in pending_argv_, like a pending one), with its timeout.
  bool parked_ = false;
  net::EventLoop::TimerId block_timer_ = 0;
  // When the output first went over the pubsub class's soft limit (0: it is not over).
  int64_t soft_limit_since_ms_ = 0;
  // The AOF position of the last write this connection ran since its output was released, and
  // whether it waits for the AOF to make it durable.
  uint64_t unsynced_position_ = 0;
  bool holding_ = false;
  bool stalled_on_output_ = false;  // stopped running commands: too many unsent replies
};

}  // namespace ferrite::server
