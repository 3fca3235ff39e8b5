#include "server/registry/command_replies.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "server/registry/testing/live_redis.h"

namespace ferrite::server {
namespace {

using testing::LiveRedis;
using testing::RespNode;

void Noop(CommandContext&) {}

std::unique_ptr<CommandRegistry> NewRegistry() {
  auto r = CommandRegistry::Create();
  EXPECT_TRUE(r.has_value());
  return std::move(r).value();
}

std::string RunCommand(const CommandRegistry& registry, std::vector<std::string_view> argv,
                       int protocol = 2) {
  std::string out;
  resp::ReplyBuilder reply(&out, protocol);
  RunCommandCommand(registry, argv, reply);
  return out;
}

// Handlers for GET, SET, CONFIG GET and the COMMAND family only.
class CommandRepliesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = NewRegistry();
    for (std::string_view name : {"get", "set", "config|get", "command", "command|info",
                                  "command|count", "command|docs", "command|list"}) {
      ASSERT_TRUE(registry_->SetHandler(name, Noop).ok());
    }
  }
  std::unique_ptr<CommandRegistry> registry_;
};

// Bytes from redis-server 7.0.15: COMMAND INFO get nosuch (RESP2).
constexpr std::string_view kInfoGetResp2 =
    "*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n"
    "+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\n"
    "begin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n"
    "$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n"
    ":0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n$-1\r\n";

TEST_F(CommandRepliesTest, InfoMatchesRedisBytesResp2) {
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "INFO", "get", "nosuch"}), kInfoGetResp2);
  // Known to Redis but not implemented by Ferrite: a null entry too.
  EXPECT_EQ(RunCommand(*registry_, {"command", "info", "append"}), "*1\r\n$-1\r\n");
}

TEST_F(CommandRepliesTest, InfoResp3UsesSetsAndMaps) {
  std::string out = RunCommand(*registry_, {"COMMAND", "INFO", "GET"}, 3);
  EXPECT_EQ(out.substr(0, 48),
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n");
  EXPECT_NE(out.find("~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n"), std::string::npos);
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "INFO", "nosuch"}, 3), "*1\r\n_\r\n");
}

TEST_F(CommandRepliesTest, ContainerShowsImplementedSubcommandsOnly) {
  std::string out = RunCommand(*registry_, {"COMMAND", "INFO", "config"});
  EXPECT_NE(out.find("$10\r\nconfig|get\r\n"), std::string::npos);
  EXPECT_EQ(out.find("config|set"), std::string::npos);
  // The subcommand by its full name, case-insensitively.
  EXPECT_TRUE(RunCommand(*registry_, {"COMMAND", "INFO", "CONFIG|GET"})
                  .starts_with("*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n"));
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "INFO", "config|set"}), "*1\r\n$-1\r\n");
}

TEST_F(CommandRepliesTest, CountAndList) {
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "COUNT"}), ":4\r\n");  // command, config, get, set
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "LIST"}),
            "*9\r\n$7\r\ncommand\r\n$13\r\ncommand|count\r\n$12\r\ncommand|docs\r\n"
            "$12\r\ncommand|info\r\n$12\r\ncommand|list\r\n$6\r\nconfig\r\n$10\r\nconfig|get\r\n"
            "$3\r\nget\r\n$3\r\nset\r\n");
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "LIST", "FILTERBY", "PATTERN", "*|g*"}),
            "*1\r\n$10\r\nconfig|get\r\n");
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "LIST", "FILTERBY", "ACLCAT", "WRITE"}),
            "*1\r\n$3\r\nset\r\n");
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcat"}),
            "*0\r\n");
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "LIST", "FILTERBY", "MODULE", "m"}), "*0\r\n");
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "LIST", "FILTERBY", "BOGUS", "x"}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "LIST", "FILTERBY", "PATTERN"}),
            "-ERR syntax error\r\n");
}

TEST_F(CommandRepliesTest, DocsMap) {
  const std::string get_docs =
      "$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n"
      "$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n"
      "$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n"
      "$14\r\nkey_spec_index\r\n:0\r\n";
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "DOCS", "get", "nosuch", "append"}),
            "*2\r\n" + get_docs);
  std::string resp3 = RunCommand(*registry_, {"COMMAND", "DOCS", "get"}, 3);
  EXPECT_EQ(resp3.substr(0, 21), "%1\r\n$3\r\nget\r\n%5\r\n$7\r\n");
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "DOCS", "nosuch"}, 3), "%0\r\n");
}

TEST_F(CommandRepliesTest, ErrorsAndHelp) {
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "FOO"}),
            "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n");
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "COUNT", "x"}),
            "-ERR wrong number of arguments for 'command|count' command\r\n");
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "GETKEYS"}),
            "-ERR wrong number of arguments for 'command|getkeys' command\r\n");
  std::string help = RunCommand(*registry_, {"command", "help"});
  EXPECT_TRUE(help.starts_with(
      "*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+(no"));
  EXPECT_TRUE(help.ends_with("+HELP\r\n+    Prints this help.\r\n"));
}

TEST_F(CommandRepliesTest, GetKeysOnlyForImplementedCommands) {
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "GETKEYS", "get", "k"}), "*1\r\n$1\r\nk\r\n");
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "get"}, 3),
            "*1\r\n*2\r\n$1\r\nk\r\n~3\r\n+RW\r\n+access\r\n+update\r\n");
  EXPECT_EQ(RunCommand(*registry_, {"COMMAND", "GETKEYS", "append", "k", "v"}),
            "-ERR Invalid command specified\r\n");
}

TEST_F(CommandRepliesTest, NoArgumentsListsAllImplemented) {
  std::string out = RunCommand(*registry_, {"COMMAND"});
  EXPECT_EQ(out.substr(0, 9), "*4\r\n*10\r\n");
  EXPECT_EQ(testing::RespReplyLength(out), out.size());
}

// ---- Comparisons against a live redis-server 7.0.15 -----------------------------------------

// Redis orders a container's subcommands by its hash table; compare them sorted by name.
void SortPairs(RespNode* map_node) {
  std::vector<std::pair<RespNode, RespNode>> pairs;
  for (size_t i = 0; i + 1 < map_node->children.size(); i += 2) {
    pairs.emplace_back(map_node->children[i], map_node->children[i + 1]);
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& a, const auto& b) { return a.first.text < b.first.text; });
  map_node->children.clear();
  for (auto& [k, v] : pairs) {
    map_node->children.push_back(std::move(k));
    map_node->children.push_back(std::move(v));
  }
}

void CanonicalInfo(RespNode* entry) {
  if (entry->children.size() != 10 || entry->children[9].type != '*') return;
  auto& subs = entry->children[9].children;
  std::sort(subs.begin(), subs.end(), [](const RespNode& a, const RespNode& b) {
    return a.children[0].text < b.children[0].text;
  });
}

void CanonicalDocs(RespNode* docs) {
  for (size_t i = 0; i + 1 < docs->children.size(); i += 2) {
    if (docs->children[i].text == "subcommands") SortPairs(&docs->children[i + 1]);
  }
}

std::string Canonical(std::string_view bytes, bool docs) {
  RespNode root;
  testing::ParseResp(bytes, 0, &root);
  if (docs) {
    for (size_t i = 1; i < root.children.size(); i += 2) CanonicalDocs(&root.children[i]);
  } else {
    for (RespNode& entry : root.children) CanonicalInfo(&entry);
  }
  std::string out;
  testing::SerializeResp(root, &out);
  return out;
}

class LiveRedisComparisonTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new LiveRedis();
    if (!redis_->Start()) {
      delete redis_;
      redis_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override {
    if (redis_ == nullptr) GTEST_SKIP() << "no runnable " << testing::kRedisServerPath;
    registry_ = NewRegistry();
    // Everything Redis has; Ferrite's extensions stay unimplemented so containers compare equal.
    for (size_t id = 0; id < registry_->size(); ++id) {
      const CommandSpec& spec = registry_->ById(id);
      if (spec.metadata->extension) continue;
      ASSERT_TRUE(registry_->SetHandler(spec.name, Noop).ok());
    }
  }

  void ExpectSame(const std::vector<std::string_view>& argv, bool canonical_docs = false,
                  bool canonical_info = false) {
    for (int protocol : {2, 3}) {
      std::string theirs = redis_->Query(argv, protocol);
      std::string ours = RunCommand(*registry_, argv, protocol);
      if (canonical_docs || canonical_info) {
        theirs = Canonical(theirs, canonical_docs);
        ours = Canonical(ours, canonical_docs);
      }
      std::string line;
      for (std::string_view a : argv) line += std::string(a) + " ";
      ASSERT_EQ(ours, theirs) << line << "(RESP" << protocol << ")";
    }
  }

  static LiveRedis* redis_;
  std::unique_ptr<CommandRegistry> registry_;
};

LiveRedis* LiveRedisComparisonTest::redis_ = nullptr;

TEST_F(LiveRedisComparisonTest, InfoOfEveryCommandAndSubcommand) {
  for (size_t id = 0; id < registry_->size(); ++id) {
    const CommandSpec& spec = registry_->ById(id);
    if (spec.metadata->extension) continue;
    ExpectSame({"COMMAND", "INFO", spec.name}, false, true);
  }
  ExpectSame({"COMMAND", "INFO", "GET", "nosuch", "Config|Get", "get|x"}, false, true);
}

TEST_F(LiveRedisComparisonTest, DocsOfEveryCommandAndSubcommand) {
  for (size_t id = 0; id < registry_->size(); ++id) {
    const CommandSpec& spec = registry_->ById(id);
    if (spec.metadata->extension) continue;
    ExpectSame({"COMMAND", "DOCS", spec.name}, true);
  }
  ExpectSame({"COMMAND", "DOCS", "nosuch", "SET", "client|kill"}, true);
}

TEST_F(LiveRedisComparisonTest, CountHelpAndErrors) {
  ExpectSame({"COMMAND", "COUNT"});
  ExpectSame({"COMMAND", "HELP"});
  ExpectSame({"command", "help"});
  ExpectSame({"COMMAND", "LIST", "FILTERBY", "PATTERN"});
  ExpectSame({"COMMAND", "LIST", "FILTERBY", "NOPE", "x"});
  ExpectSame({"COMMAND", "LIST", "FILTERBY", "MODULE", "x"});
  ExpectSame({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"});
}

TEST_F(LiveRedisComparisonTest, ListAsSets) {
  const std::vector<std::vector<std::string_view>> cases = {
      {"COMMAND", "LIST"},
      {"COMMAND", "LIST", "FILTERBY", "ACLCAT", "read"},
      {"COMMAND", "LIST", "FILTERBY", "ACLCAT", "Dangerous"},
      {"COMMAND", "LIST", "FILTERBY", "PATTERN", "z*"},
      {"COMMAND", "LIST", "FILTERBY", "PATTERN", "*|*"},
      {"COMMAND", "LIST", "FILTERBY", "PATTERN", "X[A-C]*"},
  };
  for (const auto& argv : cases) {
    for (int protocol : {2, 3}) {
      RespNode theirs, ours;
      testing::ParseResp(redis_->Query(argv, protocol), 0, &theirs);
      testing::ParseResp(RunCommand(*registry_, argv, protocol), 0, &ours);
      std::multiset<std::string> a, b;
      for (const RespNode& n : theirs.children) a.insert(n.text);
      for (const RespNode& n : ours.children) b.insert(n.text);
      EXPECT_EQ(ours.type, theirs.type);
      EXPECT_FALSE(a.empty());
      EXPECT_EQ(b, a) << argv.back();
    }
  }
}

TEST_F(LiveRedisComparisonTest, GetKeysAndFlags) {
  const std::vector<std::vector<std::string_view>> cases = {
      {"get", "k"},
      {"get"},
      {"get", "a", "b"},
      {"ping"},
      {"nosuch", "k"},
      {"config", "get", "x"},
      {"config"},
      {"mset", "a", "1", "b", "2"},
      {"mset", "a", "1", "b"},
      {"del", "a", "b", "c"},
      {"rename", "a", "b"},
      {"set", "k", "v"},
      {"set", "k", "v", "GET"},
      {"set", "k", "v", "EX", "10", "get"},
      {"bitfield", "k", "GET", "u8", "0"},
      {"bitfield", "k", "SET", "u8", "0", "1"},
      {"bitfield", "k", "get", "u8"},
      {"bitfield_ro", "k", "GET", "u8", "0"},
      {"zunionstore", "dst", "2", "a", "b", "WEIGHTS", "1", "2"},
      {"zunionstore", "dst", "0", "a"},
      {"zunionstore", "dst", "3", "a", "b"},
      {"zunionstore", "dst", "x", "a"},
      {"zunionstore", "dst", "-1", "a"},
      {"zunionstore", "dst", "01", "a"},
      {"zinter", "2", "a", "b"},
      {"zdiff", "1", "a", "WITHSCORES"},
      {"zintercard", "2", "a", "b", "LIMIT", "3"},
      {"sintercard", "2", "a", "b"},
      {"sintercard", "3", "a", "b"},
      {"eval", "return 1", "0"},
      {"eval", "return 1", "2", "k1", "k2", "a1"},
      {"eval", "return 1", "3", "k1"},
      {"evalsha_ro", "abc", "1", "k"},
      {"fcall", "f", "1", "k", "a"},
      {"fcall_ro", "f", "0"},
      {"lmpop", "2", "a", "b", "LEFT"},
      {"blmpop", "0", "2", "a", "b", "LEFT"},
      {"bzmpop", "0", "1", "z", "MIN"},
      {"zmpop", "1", "z", "MAX", "COUNT", "2"},
      {"xread", "STREAMS", "s1", "s2", "0", "0"},
      {"xread", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "0"},
      {"xread", "STREAMS", "s1", "s2", "0"},
      {"xread", "COUNT", "1", "streams", "streams", "0"},
      {"xreadgroup", "GROUP", "g", "c", "STREAMS", "s", ">"},
      {"xreadgroup", "GROUP", "g", "c", "NOACK", "STREAMS", "a", "b", ">", ">"},
      {"sort", "l"},
      {"sort", "l", "BY", "w_*", "GET", "#", "STORE", "dst"},
      {"sort", "l", "LIMIT", "0", "1", "STORE", "d1", "STORE", "d2"},
      {"sort", "l", "STORE"},
      {"sort_ro", "l", "BY", "x"},
      {"migrate", "h", "6379", "k", "0", "100"},
      {"migrate", "h", "6379", "", "0", "100", "KEYS", "a", "b"},
      {"migrate", "h", "6379", "", "0", "100", "COPY", "AUTH", "keys", "KEYS", "a"},
      {"migrate", "h", "6379", "k", "0", "100", "KEYS", "a"},
      {"migrate", "h", "6379", "", "0", "100", "AUTH2", "u", "p", "KEYS", "z"},
      {"georadius", "g", "0", "0", "1", "km", "STORE", "d"},
      {"georadius", "g", "0", "0", "1", "km", "STORE", "d", "STOREDIST", "e"},
      {"georadiusbymember", "g", "m", "1", "km"},
      {"georadius_ro", "g", "0", "0", "1", "km"},
      {"geosearchstore", "d", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "km"},
      {"blpop", "a", "b", "0"},
      {"brpoplpush", "a", "b", "0"},
      {"lmove", "a", "b", "LEFT", "RIGHT"},
      {"object", "encoding", "k"},
      {"memory", "usage", "k"},
      {"xinfo", "stream", "s"},
      {"pfcount", "a", "b"},
      {"spublish", "ch", "msg"},
      {"ssubscribe", "ch"},
      {"publish", "ch", "msg"},
      {"watch", "a", "b"},
      {"restore", "k", "0", "payload"},
      {"copy", "a", "b", "DB", "1"},
      {"lcs", "a", "b"},
      {"msetnx", "a", "1"},
      {"exists", "a", "A"},
      {"getex", "k", "PERSIST"},
      {"touch", "a", "b"},
      {"debug", "object", "k"},
      {"command", "info"},
  };
  for (const auto& target : cases) {
    for (std::string_view sub : {"GETKEYS", "GETKEYSANDFLAGS"}) {
      std::vector<std::string_view> argv = {"COMMAND", sub};
      argv.insert(argv.end(), target.begin(), target.end());
      ExpectSame(argv);
    }
  }
}

}  // namespace
}  // namespace ferrite::server
