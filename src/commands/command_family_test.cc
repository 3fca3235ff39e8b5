// The COMMAND family through its handlers, as the dispatcher runs them: looked up in a real
// registry, with a CommandContext whose ServerContext exposes that registry.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "commands/families.h"
#include "commands/testing/command_fixture.h"
#include "resp/reply_builder.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/registry/command_registry.h"
#include "server/server_context.h"

namespace ferrite::commands {

std::span<const CommandBinding> CommandFamily();  // command_family.cc

namespace {

void Noop(server::CommandContext&) {}

class CommandFamilyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = server::CommandRegistry::Create();
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    registry_ = std::move(r).value();
    for (const CommandBinding& b : CommandFamily()) {
      ASSERT_TRUE(registry_->SetHandler(b.name, b.handler).ok()) << b.name;
    }
    ASSERT_TRUE(registry_->SetHandler("get", Noop).ok());
    ASSERT_TRUE(registry_->SetHandler("set", Noop).ok());
    store_ = testing::CommandFixture::NewStore([] { return int64_t{1'700'000'000'000}; });
    session_ = store_->NewSession();
    server_ = std::make_unique<server::ServerContext>(store_.get(), registry_.get(),
                                                      [] { return int64_t{1'700'000'000'000}; });
  }

  // Resolves the command the way the dispatcher does and runs its handler.
  std::string Run(std::vector<std::string_view> argv) {
    const server::CommandSpec* spec = registry_->Lookup(argv);
    if (spec == nullptr || spec->handler == nullptr) return "<no handler>";
    std::string out;
    resp::ReplyBuilder reply(&out, client_.protocol);
    server::CommandContext ctx(argv, *spec, reply, client_, *session_, *server_);
    spec->handler(ctx);
    return out;
  }

  std::unique_ptr<server::CommandRegistry> registry_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::StoreSession> session_;
  std::unique_ptr<server::ServerContext> server_;
  server::ClientSession client_;
};

TEST_F(CommandFamilyTest, BindsTheContainerAndEverySubcommand) {
  const server::CommandSpec* command = registry_->Find("command");
  ASSERT_NE(command, nullptr);
  EXPECT_NE(command->handler, nullptr);
  for (const server::CommandSpec& sub : command->subcommands) {
    EXPECT_NE(sub.handler, nullptr) << sub.name;
  }
}

TEST_F(CommandFamilyTest, CountInfoAndList) {
  EXPECT_EQ(Run({"COMMAND", "COUNT"}), ":3\r\n");  // command, get, set
  EXPECT_EQ(Run({"command", "info", "get", "append"}),
            "*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n"
            "+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n"
            "+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
            "*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
            "$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n"
            ":0\r\n*0\r\n$-1\r\n");
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "?et"}),
            "*2\r\n$3\r\nget\r\n$3\r\nset\r\n");
  std::string all = Run({"COMMAND"});
  EXPECT_TRUE(all.starts_with("*3\r\n*10\r\n$7\r\ncommand\r\n:-1\r\n")) << all.substr(0, 40);
}

TEST_F(CommandFamilyTest, FollowsTheClientProtocol) {
  client_.protocol = 3;
  std::string docs = Run({"COMMAND", "DOCS", "get"});
  EXPECT_TRUE(docs.starts_with("%1\r\n$3\r\nget\r\n%5\r\n")) << docs.substr(0, 30);
  EXPECT_EQ(Run({"COMMAND", "GETKEYSANDFLAGS", "set", "k", "v"}),
            "*1\r\n*2\r\n$1\r\nk\r\n~2\r\n+OW\r\n+update\r\n");
  client_.protocol = 2;
  EXPECT_EQ(Run({"COMMAND", "GETKEYSANDFLAGS", "set", "k", "v"}),
            "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+OW\r\n+update\r\n");
}

TEST_F(CommandFamilyTest, GetKeysErrors) {
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "get", "k"}), "*1\r\n$1\r\nk\r\n");
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "command", "info"}),
            "-ERR The command has no key arguments\r\n");
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "mget", "k"}), "-ERR Invalid command specified\r\n");
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "set", "k"}),
            "-ERR Invalid number of arguments specified for command\r\n");
}

}  // namespace
}  // namespace ferrite::commands
