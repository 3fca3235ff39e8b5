#pragma once
// Dispatcher: runs one parsed command: lookup, arity, key locking, residency, the handler, and
// the bookkeeping around it (commandstats, errorstats, the dirty counter, propagation).
//
// The life of a command through it:
//   1. Find the CommandSpec (and the subcommand of a container like CONFIG); unknown → error.
//   2. Check arity with Redis's rule and error text.
//   3. Extract the keys from the registry's key specs.
//   4. Ask the store to make the keys' newest records resident. If one is on disk the command
//      goes pending: Dispatch returns kPending, and the caller (the connection) calls Dispatch
//      again with the same argv when its ResidencyWaiter fires. Replies keep their order because
//      the connection runs nothing else meanwhile.
//   5. Lock the key stripes, run the handler, unlock. A handler that still meets an on-disk
//      record (evicted since step 4) sets ctx.pending(); its partial reply is discarded and the
//      command goes back to step 4.
//   6. Count calls, time and errors; add to dirty and hand write commands to the propagation sink.
//   7. Blocking commands (server/blocking.h): a handler that called ctx.Block() gets its partial
//      reply discarded, the client is queued on the keys while their locks are still held, and
//      Dispatch returns kBlocked: the connection parks the command and calls Dispatch again with
//      the same argv when a key is signalled (ClientSession::block.woken) or the timeout passes
//      (block.timed_out). A parked command is counted once, when it replies, with a duration
//      that includes the wait. Keys a command signalled ready (ctx.ready_keys(), also inside
//      EXEC) are signalled after its locks are released.
//   RESP2 clients with subscriptions may only run (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT
//   and RESET, as in Redis; PING then answers ["pong", arg].
//
// Thread safety: one Dispatcher serves all event-loop threads; Dispatch() is re-entrant. The
// sink, if set, must be set before serving starts.

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "resp/reply_builder.h"
#include "server/client_session.h"
#include "server/key_locks.h"
#include "server/server_context.h"
#include "storage/store.h"

namespace ferrite::server {

// Receives every write command that changed data, in deterministic form, for the AOF and
// replicas. Called on the event-loop thread with the command's key locks still held, so the
// order of calls for one key is the order of execution.
class PropagationSink {
 public:
  virtual ~PropagationSink() = default;
  virtual void Propagate(storage::DbIndex db, std::span<const std::string_view> argv) = 0;

  // Durability for the connection layer (the AOF overrides these; the defaults describe a sink
  // with no durability requirement).
  // False while writes must be refused (the AOF's disk fails): write commands get -MISCONF.
  virtual bool AcceptingWrites() const { return true; }
  // The log position of the last record this thread propagated, 0 if none; resets it.
  virtual uint64_t TakeThreadPosition() { return 0; }
  // Whether everything up to `position` is durable (fsynced under appendfsync always).
  virtual bool IsDurable(uint64_t position) const { return true; }
  // Calls `done(true)` once `position` is durable (at once if it is), `done(false)` if the sink
  // shut down first. May call from another thread.
  virtual void NotifyWhenDurable(uint64_t position, std::function<void(bool)> done) { done(true); }
};

enum class DispatchOutcome { kDone, kPending, kBlocked };

class CommandContext;

class Dispatcher {
 public:
  explicit Dispatcher(ServerContext& server) : server_(server) { server.set_dispatcher(this); }

  void set_propagation_sink(PropagationSink* sink) { sink_ = sink; }
  PropagationSink* propagation_sink() const { return sink_; }

  DispatchOutcome Dispatch(ClientSession& client, std::span<const std::string_view> argv,
                           resp::ReplyBuilder& reply, storage::StoreSession& store,
                           storage::ResidencyWaiter* waiter);

  // EXEC's body: checks the watched keys, then runs the queued commands atomically (all their
  // keys locked at once) and replies with an array of their replies.
  void Exec(CommandContext& ctx);
  // WATCH's body: records the keys' versions with their locks held.
  void Watch(CommandContext& ctx);

  KeyLockTable& key_locks() { return locks_; }

  // CLIENT UNBLOCK ... ERROR: answers a parked command with -UNBLOCKED and counts it as a failed
  // call, as Redis does. The caller has already taken the client out of the blocking registry.
  void FailBlocked(ClientSession& client, resp::ReplyBuilder& reply);

 private:
  // After a handler ran (not pending), under its key locks and epoch protection: queues a client
  // that asked to block, or dequeues one that was served. Returns true if the client stays
  // blocked.
  bool SettleBlocking(CommandContext& ctx, storage::StoreSession& store, int64_t start_ns);
  // After a handler changed data: dirty counter, WATCH versions, propagation.
  void AfterWrite(CommandContext& ctx, std::span<const std::string_view> keys,
                  std::vector<std::vector<std::string>>* deferred);

  ServerContext& server_;
  KeyLockTable locks_;
  PropagationSink* sink_ = nullptr;
};

}  // namespace ferrite::server
