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
#include <string>

#include "server/transaction.h"
#include "storage/store.h"
#include "telemetry/api/command_trace.h"
#include "telemetry/api/trace_context.h"

namespace ferrite::server {

struct CommandSpec;

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

  std::atomic<size_t> query_buffer_bytes{0};
  std::atomic<size_t> output_buffer_bytes{0};
  std::atomic<uint64_t> commands_processed{0};
};

}  // namespace ferrite::server
