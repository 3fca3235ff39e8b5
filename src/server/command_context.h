#pragma once
// CommandContext: everything a command handler sees while it runs.
//
// A handler runs on the event-loop thread that owns the client, with the keys of the command
// locked (server/key_locks.h) and the store session epoch-protected. It parses ctx.argv, calls
// the store, and writes exactly one reply through ctx.reply (or none, for the few commands Redis
// answers with nothing).
//
// If a store operation returns kPending (a record on disk), the handler calls
// ctx.SetPending() and returns without replying; the dispatcher waits for the record and runs the
// handler again. Handlers therefore read everything they need before they write anything.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "resp/reply_builder.h"
#include "server/command_spec.h"
#include "storage/store.h"

namespace ferrite::server {

class ClientSession;
class ServerContext;

class CommandContext {
 public:
  CommandContext(std::span<const std::string_view> argv, const CommandSpec& spec,
                 resp::ReplyBuilder& reply, ClientSession& client, storage::StoreSession& store,
                 ServerContext& server)
      : argv(argv), spec(spec), reply(reply), client(client), store(store), server(server) {}

  std::span<const std::string_view> argv;  // argv[0] is the command name as the client sent it
  const CommandSpec& spec;
  resp::ReplyBuilder& reply;
  ClientSession& client;
  storage::StoreSession& store;
  ServerContext& server;

  size_t argc() const { return argv.size(); }
  void SetPending() { pending_ = true; }
  bool pending() const { return pending_; }
  // For handlers that make records resident themselves (EXEC): the waiter to pass to
  // StoreSession::EnsureResident, and the flag saying it was armed.
  storage::ResidencyWaiter* waiter = nullptr;
  void SetWaiting() { waiting_ = true; }
  bool waiting() const { return waiting_; }

  // Replication and the AOF: a write command that changed data calls AddDirty(n) (Redis's
  // server.dirty). After it returns, the dispatcher propagates argv as sent, or the commands
  // given to Propagate() instead when the handler rewrote itself into deterministic form
  // (SET EX -> SET PXAT, EXPIRE -> PEXPIREAT, INCRBYFLOAT -> SET KEEPTTL, ...).
  void AddDirty(int64_t n = 1) { dirty_ += n; }
  int64_t dirty() const { return dirty_; }
  void Propagate(std::vector<std::string> command) { rewritten_.push_back(std::move(command)); }
  const std::vector<std::vector<std::string>>& rewritten() const { return rewritten_; }

  // Blocking commands (BLPOP, BZPOPMIN, BLMOVE...). A handler that finds nothing to serve and
  // may block (`can_block`) calls Block() and returns without replying; the dispatcher parks
  // the client and runs the handler again when one of `keys` is signalled ready, or with
  // `timed_out` set once `timeout_ms` (0 = forever) has passed, when it must give the timeout
  // reply. Inside MULTI/EXEC `can_block` is false and the handler answers as on a timeout.
  void Block(std::span<const std::string_view> keys, int64_t timeout_ms) {
    block_requested_ = true;
    block_keys_.assign(keys.begin(), keys.end());
    block_timeout_ms_ = timeout_ms;
  }
  bool block_requested() const { return block_requested_; }
  const std::vector<std::string>& block_keys() const { return block_keys_; }
  int64_t block_timeout_ms() const { return block_timeout_ms_; }
  bool can_block = true;
  bool timed_out = false;
  // Writers that add to a list or sorted set call this so that clients blocked on `key` (in the
  // client's current database) are served after the command. With no client blocked anywhere it
  // records nothing (one atomic load, no allocation): it runs under the key's lock, so a client
  // that blocks on the key later does so after this command's change and sees it.
  void SignalKeyReady(std::string_view key);  // defined in server/blocking.cc
  const std::vector<std::string>& ready_keys() const { return ready_keys_; }
  // SWAPDB and the like, which change what every key of database `db` holds: all clients blocked
  // in `db` re-check their keys after the command.
  void SignalDbReady(storage::DbIndex db) { ready_dbs_.push_back(db); }
  const std::vector<storage::DbIndex>& ready_dbs() const { return ready_dbs_; }

 private:
  bool pending_ = false;
  bool waiting_ = false;
  int64_t dirty_ = 0;
  std::vector<std::vector<std::string>> rewritten_;
  bool block_requested_ = false;
  std::vector<std::string> block_keys_;
  int64_t block_timeout_ms_ = 0;
  std::vector<std::string> ready_keys_;
  std::vector<storage::DbIndex> ready_dbs_;
};

}  // namespace ferrite::server
