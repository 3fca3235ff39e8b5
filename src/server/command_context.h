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
#include <string_view>

#include "resp/reply_builder.h"
#include "server/command_spec.h"
#include "storage/store.h"

namespace ferrite::server {

class ClientSession;
class ServerContext;

class CommandContext {
 public:
  CommandContext(std::span<const std::string_view> argv, const CommandSpec& spec,
                 resp::ReplyBuilder& reply, ClientSession& client,
                 storage::StoreSession& store, ServerContext& server)
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

 private:
  bool pending_ = false;
};

}  // namespace ferrite::server
