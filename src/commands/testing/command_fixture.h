#pragma once
// CommandFixture: runs command handlers in-process against a fresh store, for family unit tests.
//
//   EXPECT_EQ(Run({"SET", "k", "v"}), "+OK\r\n");
//
// Replies are the exact RESP bytes. Time is the fixture's clock (AdvanceMs moves it), so expiry
// tests need no sleeping. Keys are not locked and arity is not checked here: those belong to the
// dispatcher, which has its own tests.

#include <gtest/gtest.h>

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands/families.h"
#include "io/mem_device.h"
#include "resp/reply_builder.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/server_context.h"
#include "storage/hlog/hybrid_log_store.h"

namespace ferrite::commands::testing {

class CommandFixture : public ::testing::Test {
 protected:
  CommandFixture()
      : store_(NewStore([this] { return now_ms_; })),
        server_(store_.get(), nullptr, [this] { return now_ms_; }),
        session_(store_->NewSession()) {
    for (auto family : AllFamilies()) {
      for (const CommandBinding& b : family()) handlers_[std::string(b.name)] = b.handler;
    }
  }

  // Runs one command and returns its reply bytes (empty if the handler wrote nothing).
  std::string Run(std::initializer_list<std::string_view> args) {
    return Run(std::vector<std::string_view>(args));
  }
  std::string Run(const std::vector<std::string_view>& args) {
    std::string name = Lower(args[0]);
    auto it = args.size() > 1 ? handlers_.find(name + "|" + Lower(args[1])) : handlers_.end();
    if (it == handlers_.end()) it = handlers_.find(name);
    if (it == handlers_.end()) return "<no handler for " + name + ">";
    std::string out;
    resp::ReplyBuilder reply(&out, client_.protocol);
    server::CommandSpec spec;
    spec.name = it->first;
    server::CommandContext ctx(args, spec, reply, client_, *session_, server_);
    it->second(ctx);
    last_dirty_ = ctx.dirty();
    last_propagated_ = ctx.rewritten();
    return out;
  }

  void AdvanceMs(int64_t ms) { now_ms_ += ms; }

  // Parks a client on `key` in the blocking registry. Writers record the keys they signal only
  // while some client is blocked (CommandContext::SignalKeyReady), so tests of the signals park
  // one first. Its wake-ups are never delivered: handlers run here, not the dispatcher.
  void ParkClientOn(std::string key) {
    class Parked final : public server::BlockedClient {
     public:
      Parked() : BlockedClient(nullptr, 1) {}
      void OnKeyReady(uint64_t, storage::DbIndex, const std::string&) override {}
      void OnUnblockRequest(uint64_t, bool) override {}
    };
    const std::string keys[] = {std::move(key)};
    server_.blocking().Block(std::make_shared<Parked>(), client_.db, keys);
  }

  // The real engine on an in-memory device, with a budget large enough that unit tests stay in
  // the mutable region (tier transitions are the storage tests' business).
 public:
  static std::unique_ptr<storage::Store> NewStore(storage::ClockFn clock) {
    storage::HybridLogOptions o;
    o.device = std::make_shared<io::MemDevice>();
    o.max_memory = 256ull << 20;
    o.page_size = 1u << 20;
    o.segment_size = 4ull << 20;
    o.clock = std::move(clock);
    auto store = storage::NewHybridLogStore(o);
    EXPECT_TRUE(store.has_value()) << store.error().ToString();
    return std::move(store).value();
  }

 protected:
  static std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }

  int64_t now_ms_ = 1'700'000'000'000;
  std::unique_ptr<storage::Store> store_;
  server::ServerContext server_;
  std::unique_ptr<storage::StoreSession> session_;
  server::ClientSession client_;
  std::map<std::string, server::CommandHandler> handlers_;
  int64_t last_dirty_ = 0;
  std::vector<std::vector<std::string>> last_propagated_;
};

}  // namespace ferrite::commands::testing
