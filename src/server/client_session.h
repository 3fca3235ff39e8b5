#pragma once
// ClientSession: the per-connection state commands read and change (selected database, protocol
// version, name, flags), as CLIENT LIST / CLIENT INFO print it.
//
// Thread safety: owned by the event-loop thread that serves the connection. Fields other threads
// read (CLIENT LIST from another connection) are either atomics or changed only under the
// ClientRegistry lock (name, lib_name, lib_ver, db); `kill_requested` is the only field written
// from other threads.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>

#include "server/transaction.h"
#include "storage/store.h"
#include "telemetry/api/command_trace.h"
#include "telemetry/api/trace_context.h"

namespace ferrite::server {

struct CommandSpec;
class BlockedClient;
class Subscriber;

// The client's Pub/Sub subscriptions (the registry holds the reverse mapping). Owned by the
// client's thread; the counts are mirrored into atomics for CLIENT LIST on other threads.
struct ClientPubSub {
  std::unordered_set<std::string> channels;
  std::unordered_set<std::string> patterns;
  std::unordered_set<std::string> shard_channels;
  std::atomic<uint32_t> sub{0}, psub{0}, ssub{0};

  size_t total() const { return channels.size() + patterns.size() + shard_channels.size(); }
  void SyncCounts() {
    sub.store(static_cast<uint32_t>(channels.size()), std::memory_order_relaxed);
    psub.store(static_cast<uint32_t>(patterns.size()), std::memory_order_relaxed);
    ssub.store(static_cast<uint32_t>(shard_channels.size()), std::memory_order_relaxed);
  }
};

// A command parked by ctx.Block() (see server/blocking.h), from its first run until it replies.
struct ClientBlockState {
  int64_t start_ns = 0;     // non-zero while a blocked command is in progress
  bool registered = false;  // queued in the BlockingRegistry
  uint64_t seq = 0;         // the registry's block sequence number
  storage::DbIndex db = 0;  // the database it blocks in
  bool woken = false;       // this run follows a signal on `woken_key`
  std::string woken_key;
  bool timed_out = false;  // this run gives the timeout reply
  int64_t timeout_ms = 0;  // as the handler asked (0 = forever)
};

class ClientSession {
 public:
  uint64_t id = 0;
  storage::DbIndex db = 0;
  int protocol = 2;
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  std::string peer_ip;
  uint16_t peer_port = 0;
  std::string addr;   // "ip:port" of the peer
  std::string laddr;  // "ip:port" of our end
  int fd = -1;
  int64_t created_ms = 0;
  // Written by the owning thread per command, read by CLIENT LIST elsewhere: relaxed atomics.
  std::atomic<int64_t> last_interaction_ms{0};
  std::atomic<const CommandSpec*> last_command{nullptr};
  bool no_evict = false;
  bool authenticated = true;
  // Set by CLIENT KILL / SHUTDOWN from any thread; the owning loop closes the connection.
  std::atomic<bool> kill_requested{false};
  // QUIT and protocol errors: close after the pending replies are written.
  bool close_after_reply = false;
  // Buffer sizes for CLIENT LIST (qbuf, omem), updated by the connection.
  // MULTI / EXEC / WATCH.
  TransactionState tx;

  // Tracing: the trace of the command being run, and the parent context that CLIENT
  // TRACEPARENT set for the next command (or every command, when sticky).
  telemetry::CommandTrace trace;
  telemetry::SpanContext next_parent;
  bool next_parent_set = false;
  bool next_parent_sticky = false;

  // Pub/Sub: the connection's delivery endpoint (null in in-process tests, where SUBSCRIBE
  // answers but nothing is delivered) and the subscriptions. A RESP2 client with any
  // subscription is in subscribed mode (the dispatcher limits its commands).
  std::shared_ptr<Subscriber> subscriber;
  ClientPubSub pubsub;
  // Blocking commands: the connection's wake-up endpoint (null: commands never block) and the
  // parked command's state; `blocked` mirrors it for CLIENT LIST flag 'b'.
  std::shared_ptr<BlockedClient> blocker;
  ClientBlockState block;
  std::atomic<bool> blocked{false};

  std::atomic<size_t> query_buffer_bytes{0};
  std::atomic<size_t> output_buffer_bytes{0};
  std::atomic<uint64_t> commands_processed{0};
};

}  // namespace ferrite::server
