#include "server/client_connection.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/string_util.h"
#include "server/config/runtime_config.h"
#include "server/pubsub.h"
#include "server/server.h"
#include "telemetry/api/command_trace.h"

namespace ferrite::server {

namespace {
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxReadChunk = 1024 * 1024;
}  // namespace

// Bridges the store's completion (any thread) back to the connection's loop. If the connection
// closes while a read is outstanding, the waiter keeps itself alive until the store calls it.
class ClientConnection::Waiter final : public storage::ResidencyWaiter {
 public:
  Waiter(LoopState* loop, ClientConnection* connection) : loop_(loop), connection_(connection) {}
  void OnResident() override {
    std::shared_ptr<Waiter> self = self_;  // taken while pending; released below
    loop_->loop.Post([self] {
      ClientConnection* c = self->connection_;
      self->self_.reset();
      if (c != nullptr) c->OnResident();
    });
  }
  void Arm(std::shared_ptr<Waiter> self) { self_ = std::move(self); }
  void Detach() { connection_ = nullptr; }
  ClientConnection* connection() const { return connection_; }

 private:
  LoopState* loop_;
  ClientConnection* connection_;  // loop thread only
  std::shared_ptr<Waiter> self_;  // set while a read is outstanding
};

// The connection as the Pub/Sub and blocking registries see it. Their wake-ups are posted to the
// loop and may run after the connection closed: Detach() makes them no-ops.
class ClientConnection::Handle final : public Subscriber, public BlockedClient {
 public:
  Handle(net::EventLoop* loop, uint64_t id, ClientConnection* connection)
      : Subscriber(loop), BlockedClient(loop, id), connection_(connection) {}
  void Deliver(const PubSubMessage& message) override {
    if (connection_ != nullptr) connection_->Deliver(message);
  }
  void OnKeyReady(uint64_t seq, storage::DbIndex db, const std::string& key) override {
    if (connection_ != nullptr) connection_->OnKeyReady(seq, db, key);
  }
  void OnUnblockRequest(uint64_t seq, bool error) override {
    if (connection_ != nullptr) connection_->OnUnblockRequest(seq, error);
  }
  void Detach() { connection_ = nullptr; }

 private:
  ClientConnection* connection_;  // loop thread only
};

ClientConnection::ClientConnection(LoopState* loop, int fd, const net::Endpoint& peer)
    : loop_(loop), fd_(fd), reply_(&output_, 2) {
  session_.id = loop->server.clients().NextId();
  session_.fd = fd;
  session_.peer_ip = peer.ip;
  session_.peer_port = peer.port;
  session_.addr = peer.ToString();
  session_.laddr = net::LocalEndpoint(fd).ToString();
  session_.created_ms = loop->server.NowMs();
  session_.last_interaction_ms.store(session_.created_ms, std::memory_order_relaxed);
  parser_.set_limits(loop->options.parser_limits);
  waiter_ = std::make_shared<Waiter>(loop, this);
  handle_ = std::make_shared<Handle>(&loop->loop, session_.id, this);
  session_.subscriber = std::shared_ptr<Subscriber>(handle_, handle_.get());
  session_.blocker = std::shared_ptr<BlockedClient>(handle_, handle_.get());
}

ClientConnection::~ClientConnection() { Close(); }

void ClientConnection::Start() {
  loop_->server.clients().Add(&session_);
  net::SetKeepAlive(fd_, loop_->options.tcp_keepalive);
  UpdateInterest();
}

void ClientConnection::Close() {
  if (fd_ < 0) return;
  if (session_.trace.sampled()) FinishTrace(false);
  loop_->loop.Remove(fd_);
  close(fd_);
  fd_ = -1;
  loop_->server.clients().Remove(&session_);
  Unwatch(session_.tx, loop_->server.watches());
  waiter_->Detach();
  if (session_.pubsub.total() > 0) UnsubscribeAll(loop_->server.pubsub(), session_);
  LeaveBlockingRegistry();
  CancelBlockTimer();
  parked_ = false;
  handle_->Detach();
}

void ClientConnection::OnEvents(uint32_t events) {
  if (fd_ < 0) return;
  if (events & (EPOLLERR | EPOLLHUP)) {
    // Read what is left (a client may send QUIT and close at once), then close.
    if (events & EPOLLIN) ReadInput();
    if (fd_ >= 0) loop_->Remove(this);
    return;
  }
  // A parked client does not read, so its hang-up shows only as EPOLLRDHUP (level-triggered:
  // ignoring it would spin). Redis also frees a blocked client whose peer closed.
  if (parked_ && (events & EPOLLRDHUP) && !(events & EPOLLIN)) return loop_->Remove(this);
  if (events & EPOLLIN) ReadInput();
  if (fd_ >= 0 && (events & EPOLLOUT)) Flush();
  if (fd_ >= 0) UpdateInterest();
}

void ClientConnection::ReadInput() {
  size_t want = kReadChunk;
  size_t buffered = input_.size() - input_start_;
  if (parser_.bytes_wanted() > buffered) {
    want = std::min(std::max(parser_.bytes_wanted() - buffered, kReadChunk), kMaxReadChunk);
  }
  ssize_t n = read(fd_, input_.PrepareWrite(want), want);
  if (n <= 0) {
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) loop_->Remove(this);
    return;
  }
  input_.Commit(static_cast<size_t>(n));
  loop_->server.stats().Local().net_input_bytes.Add(static_cast<uint64_t>(n));
  session_.query_buffer_bytes.store(input_.size() - input_start_, std::memory_order_relaxed);
  config::RuntimeConfig* rc = loop_->server.runtime_config_if_set();
  size_t query_limit =
      rc ? rc->client_query_buffer_limit() : loop_->options.limits.query_buffer_limit;
  if (input_.size() - input_start_ > query_limit) {
    loop_->server.stats().Local().client_query_buffer_limit_disconnections.Add();
    loop_->Remove(this);
    return;
  }
  ProcessInput();
}

void ClientConnection::ProcessInput() {
  // CONFIG SET proto-max-bulk-len applies to the next command parsed: two relaxed loads.
  if (config::RuntimeConfig* rc = loop_->server.runtime_config_if_set()) {
    resp::ParserLimits limits = loop_->options.parser_limits;
    limits.max_bulk_len = static_cast<int64_t>(rc->proto_max_bulk_len());
    parser_.set_limits(limits);
  }
  while (fd_ >= 0 && !pending_ && !parked_ && !holding_ && !session_.close_after_reply) {
    if (output_.size() - output_start_ > loop_->options.limits.output_soft_limit) {
      stalled_on_output_ = true;  // resumed by Flush once the client reads its replies
      break;
    }
    std::string_view data(input_.data() + input_start_, input_.size() - input_start_);
    if (data.empty()) break;
    size_t consumed = 0;
    // Non-zero only when the command may be sampled: unsampled commands read no clock here.
    const int64_t parse_start_ns =
        session_.trace.PrepareNext(session_.next_parent_set || data[0] == '|');
    auto outcome = parser_.Parse(data, &consumed);
    if (outcome == resp::RequestParser::Outcome::kNeedMore) break;
    if (outcome == resp::RequestParser::Outcome::kError) {
      reply_.Error(parser_.error());
      session_.close_after_reply = true;
      input_start_ = input_.size();
      break;
    }
    if (parser_.argv().empty()) {
      input_start_ += consumed;
      continue;
    }
    if (parse_start_ns != 0) {
      StartTrace(parser_.argv(), parse_start_ns);
    } else if (session_.trace.sampled()) {
      FinishTrace(false);  // an earlier traced command still open must not take this one's steps
    }
    DispatchOutcome ran = RunCommand(parser_.argv());
    if (ran != DispatchOutcome::kDone) {
      pending_consumed_ = consumed;
      pending_argv_.assign(parser_.argv().begin(), parser_.argv().end());
      if (ran == DispatchOutcome::kPending) {
        pending_ = true;
      } else {
        Park();
      }
      break;
    }
    input_start_ += consumed;
    // A traced command ends after its reply is written; with more pipelined commands behind
    // it, its reply goes out with theirs, so it ends now without a TCP write step.
    if (session_.trace.sampled() && input_start_ < input_.size()) FinishTrace(false);
  }
  if (!pending_ && !parked_) CompactInput();
  Flush();
}

void ClientConnection::StartTrace(std::span<const std::string_view> argv, int64_t parse_start_ns) {
  // CLIENT TRACEPARENT only carries context for the next command: it is not traced itself.
  if (argv.size() >= 2 && EqualsIgnoreCase(argv[0], "client") &&
      EqualsIgnoreCase(argv[1], "traceparent")) {
    return;
  }
  if (session_.trace.sampled()) FinishTrace(false);
  const telemetry::SpanContext* parent = nullptr;
  std::optional<telemetry::SpanContext> from_attribute;
  if (!parser_.traceparent().empty()) {
    from_attribute = telemetry::ParseTraceparent(parser_.traceparent());
    if (from_attribute) {
      from_attribute->remote = true;
      if (!parser_.tracestate().empty()) from_attribute->trace_state.Assign(parser_.tracestate());
      parent = &*from_attribute;
    }
  } else if (session_.next_parent_set) {
    parent = &session_.next_parent;
    if (!session_.next_parent_sticky) session_.next_parent_set = false;
  }
  if (session_.trace.Start(parent, parse_start_ns)) {
    session_.trace.Stamp(telemetry::Step::kRespParse);
    session_.trace.SetClient(session_.id, static_cast<int32_t>(session_.db), session_.peer_ip,
                             session_.peer_port);
  }
}

void ClientConnection::FinishTrace(bool written) {
  if (written) session_.trace.Stamp(telemetry::Step::kTcpWrite);
  session_.trace.Finish();
}

DispatchOutcome ClientConnection::RunCommand(std::span<const std::string_view> argv) {
  // Idle-time bookkeeping needs no more than the cron's resolution: the coarse clock is a load.
  session_.last_interaction_ms.store(CoarseWallMs(), std::memory_order_relaxed);
  reply_.set_protocol(session_.protocol);
  waiter_->Arm(waiter_);
  DispatchOutcome outcome =
      loop_->dispatcher.Dispatch(session_, argv, reply_, *loop_->store, waiter_.get());
  if (outcome == DispatchOutcome::kPending) return outcome;
  waiter_->Arm(nullptr);
  if (PropagationSink* sink = loop_->dispatcher.propagation_sink()) {
    if (uint64_t position = sink->TakeThreadPosition()) unsynced_position_ = position;
  }
  return outcome;
}

void ClientConnection::Park() {
  parked_ = true;
  const int64_t timeout_ms = session_.block.timeout_ms;
  if (timeout_ms > 0 && block_timer_ == 0) {
    block_timer_ = loop_->loop.RunAfter(timeout_ms, [this] {
      block_timer_ = 0;
      OnBlockTimeout();
    });
  }
}

void ClientConnection::CancelBlockTimer() {
  if (block_timer_ != 0) loop_->loop.Cancel(block_timer_);
  block_timer_ = 0;
}

void ClientConnection::LeaveBlockingRegistry() {
  if (!session_.block.registered) return;
  loop_->server.blocking().Unblock(handle_.get());
  session_.block.registered = false;
  session_.block.woken = false;
  session_.blocked.store(false, std::memory_order_relaxed);
}

void ClientConnection::ResumeParked() {
  DispatchOutcome outcome = RunCommand(pending_argv_);
  if (outcome == DispatchOutcome::kBlocked) return;  // not served: still parked, same place
  parked_ = false;
  if (outcome == DispatchOutcome::kPending) {
    pending_ = true;  // OnResident finishes it; the timer stays armed
    return;
  }
  FinishParkedCommand();
}

void ClientConnection::FinishParkedCommand() {
  CancelBlockTimer();
  input_start_ += pending_consumed_;
  pending_argv_.clear();
  ProcessInput();
  if (fd_ >= 0) UpdateInterest();
}

void ClientConnection::OnKeyReady(uint64_t block_seq, storage::DbIndex db, const std::string& key) {
  ClientBlockState& b = session_.block;
  if (fd_ < 0 || !b.registered || b.seq != block_seq) return;  // a late wake-up
  if (!parked_) {
    // Re-running after an earlier wake (waiting for a disk read): let the next waiter try.
    loop_->server.blocking().NotServed(handle_.get(), block_seq, db, key, true);
    return;
  }
  b.woken = true;
  b.woken_key = key;
  ResumeParked();
}

void ClientConnection::OnBlockTimeout() {
  if (fd_ < 0 || !session_.block.registered) return;
  LeaveBlockingRegistry();
  session_.block.timed_out = true;
  if (parked_) ResumeParked();  // else a disk read is in flight; its re-run sees timed_out
}

void ClientConnection::OnUnblockRequest(uint64_t block_seq, bool error) {
  ClientBlockState& b = session_.block;
  if (fd_ < 0 || !b.registered || b.seq != block_seq) return;
  CancelBlockTimer();
  if (!error || !parked_) return OnBlockTimeout();
  LeaveBlockingRegistry();
  reply_.set_protocol(session_.protocol);
  loop_->dispatcher.FailBlocked(session_, reply_);
  parked_ = false;
  FinishParkedCommand();
}

void ClientConnection::Deliver(const PubSubMessage& message) {
  if (fd_ < 0) return;
  resp::ReplyBuilder out(&output_, session_.protocol);
  switch (message.kind) {
    case PubSubKind::kPattern:
      out.PushHeader(4);
      out.Bulk("pmessage");
      out.Bulk(message.pattern);
      break;
    case PubSubKind::kShard:
      out.PushHeader(3);
      out.Bulk("smessage");
      break;
    case PubSubKind::kChannel:
      out.PushHeader(3);
      out.Bulk("message");
      break;
  }
  out.Bulk(message.channel);
  out.Bulk(message.payload);
  Flush();
  if (fd_ >= 0) UpdateInterest();
}

bool ClientConnection::OverOutputLimit(size_t unsent) {
  config::RuntimeConfig* rc = loop_->server.runtime_config_if_set();
  if (rc == nullptr || session_.pubsub.total() == 0) {
    return loop_->options.limits.output_hard_limit != 0 &&
           unsent > loop_->options.limits.output_hard_limit;
  }
  const config::OutputBufferLimit limit = rc->output_buffer_limit(config::ClientClass::kPubSub);
  if (limit.hard != 0 && unsent > limit.hard) return true;
  if (limit.soft == 0 || unsent <= limit.soft) {
    soft_limit_since_ms_ = 0;
    return false;
  }
  const int64_t now = CoarseWallMs();
  if (soft_limit_since_ms_ == 0) soft_limit_since_ms_ = now;
  return now - soft_limit_since_ms_ >= limit.soft_seconds * 1000;
}

bool ClientConnection::HoldForDurability() {
  if (holding_) return true;
  if (unsynced_position_ == 0) return false;
  PropagationSink* sink = loop_->dispatcher.propagation_sink();
  if (sink == nullptr || sink->IsDurable(unsynced_position_)) {
    unsynced_position_ = 0;
    return false;
  }
  holding_ = true;
  std::shared_ptr<Waiter> waiter = waiter_;
  LoopState* loop = loop_;
  sink->NotifyWhenDurable(unsynced_position_, [waiter, loop](bool durable) {
    loop->loop.Post([waiter, durable] {
      if (ClientConnection* c = waiter->connection()) c->OnDurable(durable);
    });
  });
  return true;
}

void ClientConnection::OnDurable(bool durable) {
  holding_ = false;
  unsynced_position_ = 0;
  if (fd_ < 0) return;
  // The AOF shut down before the write reached the disk: the client must not see an OK.
  if (!durable) return loop_->Remove(this);
  Flush();
  if (fd_ >= 0) UpdateInterest();
}

void ClientConnection::OnResident() {
  if (fd_ < 0 || !pending_) return;
  DispatchOutcome outcome = RunCommand(pending_argv_);
  if (outcome == DispatchOutcome::kPending) return;  // wait for the next completion
  pending_ = false;
  if (outcome == DispatchOutcome::kBlocked) {
    Park();
    Flush();
    if (fd_ >= 0) UpdateInterest();
    return;
  }
  FinishParkedCommand();
}

void ClientConnection::CompactInput() {
  if (input_start_ == input_.size()) {
    input_.Clear();
    input_start_ = 0;
    input_.ShrinkIfEmptyAndLargerThan(4 * kMaxReadChunk);
  } else if (input_start_ > 0 && input_start_ >= input_.size() / 2) {
    input_.EraseFront(input_start_);
    input_start_ = 0;
  }
  session_.query_buffer_bytes.store(input_.size() - input_start_, std::memory_order_relaxed);
}

void ClientConnection::Flush() {
  if (HoldForDurability()) return;
  while (fd_ >= 0 && output_start_ < output_.size()) {
    ssize_t n = write(fd_, output_.data() + output_start_, output_.size() - output_start_);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      loop_->Remove(this);
      return;
    }
    output_start_ += static_cast<size_t>(n);
    loop_->server.stats().Local().net_output_bytes.Add(static_cast<uint64_t>(n));
  }
  if (session_.trace.sampled() && !pending_ && !parked_) FinishTrace(fd_ >= 0);
  if (fd_ < 0) return;
  size_t unsent = output_.size() - output_start_;
  if (unsent == 0) {
    soft_limit_since_ms_ = 0;
    output_.clear();
    output_start_ = 0;
    if (output_.capacity() > 4 * kMaxReadChunk) output_.shrink_to_fit();
    if (session_.close_after_reply) {
      loop_->Remove(this);
      return;
    }
  } else if (OverOutputLimit(unsent)) {
    loop_->server.stats().Local().client_output_buffer_limit_disconnections.Add();
    loop_->Remove(this);
    return;
  } else if (output_start_ > output_.size() / 2) {
    output_.erase(0, output_start_);
    output_start_ = 0;
  }
  session_.output_buffer_bytes.store(unsent, std::memory_order_relaxed);
  want_write_ = unsent > 0;
  // Output drained: resume commands that stopped because of the soft limit (only those: an
  // incomplete command waits for more bytes, not for the output).
  if (stalled_on_output_ && !want_write_ && !pending_ && !parked_ && !session_.close_after_reply) {
    stalled_on_output_ = false;
    ProcessInput();
  }
}

void ClientConnection::UpdateInterest() {
  if (fd_ < 0) return;
  bool read = !pending_ && !parked_ && !holding_ && !session_.close_after_reply &&
              output_.size() - output_start_ <= loop_->options.limits.output_soft_limit;
  uint32_t interest = (read ? EPOLLIN : 0) | (want_write_ ? EPOLLOUT : 0) | EPOLLRDHUP;
  if (interest == interest_) return;
  bool ok = interest_ == 0 ? loop_->loop.Add(fd_, interest, this)
                           : loop_->loop.Modify(fd_, interest, this);
  if (ok) interest_ = interest;
}

}  // namespace ferrite::server
