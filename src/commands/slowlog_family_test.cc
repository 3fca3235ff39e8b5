// SLOWLOG against Redis 7.0's replies (captured from redis-server 7.0.15), the slowlog's
// truncation and redaction rules, and server::LogCommand's slowlog entries and log records.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/log.h"
#include "commands/testing/command_fixture.h"
#include "server/config/config.h"
#include "server/config/runtime_config.h"
#include "server/registry/command_registry.h"
#include "server/slowlog.h"

namespace ferrite::commands {
namespace {

using server::GlobalSlowlog;
using server::Slowlog;

class SlowlogFamilyTest : public testing::CommandFixture {
 protected:
  SlowlogFamilyTest() { GlobalSlowlog().Reset(); }

  void Add(std::vector<std::string_view> argv, int64_t us, size_t max_len = 128) {
    GlobalSlowlog().Add(argv, "set", us, 1795618457, "127.0.0.1:50236", "", max_len);
  }
};

TEST_F(SlowlogFamilyTest, HelpMatchesRedis) {
  EXPECT_EQ(Run({"SLOWLOG", "HELP"}),
            "*12\r\n+SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET "
            "[<count>]\r\n+    Return top <count> entries from the slowlog (default: 10, -1 mean "
            "all).\r\n+    Entries are made of:\r\n+    id, timestamp, time in microseconds, "
            "arguments array, client IP and port,\r\n+    client name\r\n+LEN\r\n+    Return the "
            "length of the slowlog.\r\n+RESET\r\n+    Reset the slowlog.\r\n+HELP\r\n+    Prints "
            "this help.\r\n");
}

TEST_F(SlowlogFamilyTest, GetLenReset) {
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), ":0\r\n");
  EXPECT_EQ(Run({"SLOWLOG", "GET"}), "*0\r\n");
  Add({"SET", "k", "v"}, 7);
  Add({"GET", "k"}, 9);
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), ":2\r\n");
  // Ids are process-wide (other tests add entries too): the newest is the older one plus 1.
  const uint64_t first = GlobalSlowlog().Get(2)[1].id;
  // Newest first; id, timestamp, microseconds, argv, client address, client name.
  EXPECT_EQ(Run({"SLOWLOG", "GET", "1"}),
            "*1\r\n*6\r\n:" + std::to_string(first + 1) +
                "\r\n:1795618457\r\n:9\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
                "$15\r\n127.0.0.1:50236\r\n$0\r\n\r\n");
  EXPECT_EQ(Run({"slowlog", "get"}).substr(0, 4), "*2\r\n");
  EXPECT_EQ(Run({"SLOWLOG", "GET", "-1"}).substr(0, 4), "*2\r\n");
  EXPECT_EQ(Run({"SLOWLOG", "GET", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"SLOWLOG", "RESET"}), "+OK\r\n");
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), ":0\r\n");
  // Ids are never reused after a reset.
  Add({"PING"}, 1);
  EXPECT_EQ(Run({"SLOWLOG", "GET"}).substr(0, 11 + std::to_string(first + 2).size()),
            "*1\r\n*6\r\n:" + std::to_string(first + 2) + "\r\n");
}

TEST_F(SlowlogFamilyTest, GetErrorsMatchRedis) {
  EXPECT_EQ(Run({"SLOWLOG", "GET", "x"}), "-ERR count should be greater than or equal to -1\r\n");
  EXPECT_EQ(Run({"SLOWLOG", "GET", "-2"}), "-ERR count should be greater than or equal to -1\r\n");
  EXPECT_EQ(
      Run({"SLOWLOG", "GET", "1", "2"}),
      "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.\r\n");
}

TEST_F(SlowlogFamilyTest, BoundedByMaxLen) {
  for (int i = 0; i < 10; ++i) Add({"INCR", "n"}, i, 3);
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), ":3\r\n");
  std::vector<server::SlowlogEntry> e = GlobalSlowlog().Get(100);
  ASSERT_EQ(e.size(), 3u);  // the newest three of the ten
  EXPECT_EQ(e[0].id, e[1].id + 1);
  EXPECT_EQ(e[1].id, e[2].id + 1);
  EXPECT_EQ(e[0].duration_us, 9);
  EXPECT_EQ(e[2].duration_us, 7);
  Add({"INCR", "n"}, 1, 0);
  EXPECT_EQ(GlobalSlowlog().Len(), 0u);
}

TEST(SlowlogEntryTest, TruncatesLikeRedis) {
  // The case captured from Redis 7.0.15: SET, a 200-byte key, then 34 more arguments.
  std::string key(200, 'a');
  std::vector<std::string> numbers;
  for (int i = 1; i <= 34; ++i) numbers.push_back(std::to_string(i));
  std::vector<std::string_view> argv = {"SET", key};
  for (const auto& n : numbers) argv.push_back(n);
  std::vector<std::string> out = Slowlog::EntryArgv(argv, "set");
  ASSERT_EQ(out.size(), 32u);
  EXPECT_EQ(out[0], "SET");
  EXPECT_EQ(out[1], std::string(128, 'a') + "... (72 more bytes)");
  EXPECT_EQ(out[2], "1");
  EXPECT_EQ(out[30], "29");
  EXPECT_EQ(out[31], "... (5 more arguments)");
  // Exactly 32 arguments and 128 bytes: nothing cut.
  std::string k128(128, 'b');
  std::vector<std::string_view> exact(32, "x");
  exact[1] = k128;
  out = Slowlog::EntryArgv(exact, "set");
  ASSERT_EQ(out.size(), 32u);
  EXPECT_EQ(out[1], k128);
  EXPECT_EQ(out[31], "x");
}

TEST(SlowlogEntryTest, RedactsSecrets) {
  EXPECT_EQ(Slowlog::EntryArgv(std::vector<std::string_view>{"AUTH", "foo", "bar"}, "auth"),
            (std::vector<std::string>{"AUTH", "(redacted)", "(redacted)"}));
  EXPECT_EQ(
      Slowlog::EntryArgv(
          std::vector<std::string_view>{"HELLO", "3", "AUTH", "u", "p", "SETNAME", "n"}, "hello"),
      (std::vector<std::string>{"HELLO", "3", "AUTH", "(redacted)", "(redacted)", "SETNAME", "n"}));
  EXPECT_EQ(Slowlog::EntryArgv(
                std::vector<std::string_view>{"CONFIG", "SET", "requirepass", "s", "hz", "5"},
                "config|set"),
            (std::vector<std::string>{"CONFIG", "SET", "requirepass", "(redacted)", "hz", "5"}));
}

TEST(CommandResultTest, Classifies) {
  EXPECT_EQ(server::CommandResult("+OK\r\n", false), "OK");
  EXPECT_EQ(server::CommandResult("$-1\r\n", false), "NIL");
  EXPECT_EQ(server::CommandResult("$1\r\nv\r\n", false), "BULK");
  EXPECT_EQ(server::CommandResult(":3\r\n", false), "INTEGER");
  EXPECT_EQ(server::CommandResult("*2\r\n", false), "ARRAY");
  EXPECT_EQ(server::CommandResult("-WRONGTYPE Operation against\r\n", true), "WRONGTYPE");
}

// Collects records on the logger's writer thread.
class CaptureSink : public log::Sink {
 public:
  void Write(const log::Record& r) override {
    std::lock_guard<std::mutex> lock(mu);
    records.push_back(r);
  }
  std::vector<log::Record> Take() {
    std::lock_guard<std::mutex> lock(mu);
    return std::move(records);
  }
  std::mutex mu;
  std::vector<log::Record> records;
};

const log::Field* FindField(const log::Record& r, std::string_view key) {
  for (const auto& f : r.fields)
    if (f.key == key) return &f;
  return nullptr;
}

class LogCommandTest : public testing::CommandFixture {
 protected:
  LogCommandTest() : runtime_(server::config::Config{}) {
    server_.set_runtime_config(&runtime_);
    auto registry = server::CommandRegistry::Create();
    EXPECT_TRUE(registry.has_value());
    registry_ = std::move(*registry);
    sink_ = std::make_shared<CaptureSink>();
    log::Global().AddSink(sink_);
    saved_filter_ = log::Global().filter();
    GlobalSlowlog().Reset();
    client_.addr = "10.0.0.7:5555";
    client_.name = "worker";
  }
  ~LogCommandTest() override {
    log::Global().Flush();
    log::Global().RemoveSink(sink_.get());
    log::Global().SetFilter(saved_filter_);
  }
  void SetFilter(std::string_view directives) {
    auto f = log::Filter::Parse(directives, log::Level::kInfo);
    ASSERT_TRUE(f.has_value());
    log::Global().SetFilter(*f);
  }
  std::vector<log::Record> Records() {
    log::Global().Flush();
    return sink_->Take();
  }
  void Log(std::string_view name, std::vector<std::string_view> argv, int64_t us,
           std::string_view reply, telemetry::SpanContext span = {}) {
    const server::CommandSpec* spec = registry_->Find(name);
    ASSERT_NE(spec, nullptr);
    server::LogCommand(server_, {*spec, client_, argv, argv.size() > 1 ? argv[1] : "", us, reply,
                                 !reply.empty() && reply[0] == '-', span});
  }

  server::config::RuntimeConfig runtime_;
  std::unique_ptr<server::CommandRegistry> registry_;
  std::shared_ptr<CaptureSink> sink_;
  log::Filter saved_filter_;
};

TEST_F(LogCommandTest, DebugLineCarriesFieldsAndTarget) {
  ASSERT_TRUE(runtime_.Set("slowlog-log-slower-than", "-1").ok());
  SetFilter("info,ferrite::commands=debug");
  Log("set", {"SET", "user:123", "v"}, 45, "+OK\r\n");
  Log("get", {"GET", "user:123"}, 3, "$-1\r\n");
  auto records = Records();
  ASSERT_EQ(records.size(), 2u);
  const log::Record& r = records[0];
  EXPECT_EQ(r.level, log::Level::kDebug);
  EXPECT_EQ(r.target, "ferrite::commands::strings");
  EXPECT_EQ(r.message, "Command executed");
  EXPECT_FALSE(r.trace.valid());
  EXPECT_EQ(std::get<std::string>(FindField(r, "command")->value), "SET");
  EXPECT_EQ(std::get<std::string>(FindField(r, "key")->value), "user:123");
  EXPECT_EQ(std::get<int64_t>(FindField(r, "duration_us")->value), 45);
  EXPECT_EQ(std::get<std::string>(FindField(r, "result")->value), "OK");
  EXPECT_EQ(std::get<std::string>(FindField(r, "client_addr")->value), "10.0.0.7:5555");
  EXPECT_EQ(std::get<std::string>(FindField(records[1], "result")->value), "NIL");
  EXPECT_EQ(GlobalSlowlog().Len(), 0u);  // slowlog off
  // The JSON line has the seed's shape.
  EXPECT_EQ(log::FormatJson(r).substr(0, 1), "{");
  EXPECT_NE(log::FormatJson(r).find("\"fields\":{\"command\":\"SET\",\"key\":\"user:123\","
                                    "\"duration_us\":45,\"result\":\"OK\","
                                    "\"client_addr\":\"10.0.0.7:5555\"}"),
            std::string::npos);
}

TEST_F(LogCommandTest, TargetFilterAppliesPerFamily) {
  ASSERT_TRUE(runtime_.Set("slowlog-log-slower-than", "-1").ok());
  SetFilter("info,ferrite::commands::keys=debug");
  Log("set", {"SET", "k", "v"}, 1, "+OK\r\n");
  Log("del", {"DEL", "k"}, 1, ":1\r\n");
  auto records = Records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].target, "ferrite::commands::keys");
  SetFilter("info");
  Log("del", {"DEL", "k"}, 1, ":1\r\n");
  EXPECT_TRUE(Records().empty());
}

TEST_F(LogCommandTest, SlowCommandsGoToSlowlogAndInfo) {
  ASSERT_TRUE(runtime_.Set("slowlog-log-slower-than", "100").ok());
  SetFilter("info");
  Log("set", {"SET", "a", "1"}, 99, "+OK\r\n");   // fast: nothing at info
  Log("set", {"SET", "b", "1"}, 100, "+OK\r\n");  // threshold is inclusive
  auto records = Records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].level, log::Level::kInfo);
  EXPECT_EQ(std::get<std::string>(FindField(records[0], "key")->value), "b");
  auto entries = GlobalSlowlog().Get(10);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].duration_us, 100);
  EXPECT_EQ(entries[0].argv, (std::vector<std::string>{"SET", "b", "1"}));
  EXPECT_EQ(entries[0].client_addr, "10.0.0.7:5555");
  EXPECT_EQ(entries[0].client_name, "worker");
  EXPECT_EQ(entries[0].unix_seconds, now_ms_ / 1000);
  // EXEC is skip_slowlog in Redis.
  Log("exec", {"EXEC"}, 1000, "*0\r\n");
  EXPECT_EQ(GlobalSlowlog().Len(), 1u);
  // slowlog-max-len bounds it.
  ASSERT_TRUE(runtime_.Set("slowlog-max-len", "2").ok());
  for (int i = 0; i < 5; ++i) Log("get", {"GET", "x"}, 500, "$-1\r\n");
  EXPECT_EQ(GlobalSlowlog().Len(), 2u);
  // 0 logs every command.
  ASSERT_TRUE(runtime_.Set("slowlog-log-slower-than", "0").ok());
  GlobalSlowlog().Reset();
  Log("ping", {"PING"}, 0, "+PONG\r\n");
  EXPECT_EQ(GlobalSlowlog().Len(), 1u);
}

TEST_F(LogCommandTest, RecordsCarryTheSampledSpan) {
  ASSERT_TRUE(runtime_.Set("slowlog-log-slower-than", "-1").ok());
  SetFilter("ferrite=debug");
  telemetry::SpanContext span;
  for (int i = 0; i < 16; ++i) span.trace_id.bytes[i] = static_cast<uint8_t>(0xa0 + i);
  for (int i = 0; i < 8; ++i) span.span_id.bytes[i] = static_cast<uint8_t>(0x10 + i);
  span.trace_flags = 1;
  Log("set", {"SET", "k", "v"}, 5, "+OK\r\n", span);
  Log("set", {"SET", "k", "v"}, 5, "+OK\r\n");  // not sampled: no ids
  auto records = Records();
  ASSERT_EQ(records.size(), 2u);
  ASSERT_TRUE(records[0].trace.valid());
  EXPECT_EQ(records[0].trace.trace_id[0], 0xa0);
  EXPECT_EQ(records[0].trace.span_id[7], 0x17);
  EXPECT_EQ(records[0].trace.flags, 1);
  std::string json = log::FormatJson(records[0]);
  EXPECT_NE(json.find("\"trace_id\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\",\"span_id\":"
                      "\"1011121314151617\""),
            std::string::npos)
      << json;
  EXPECT_FALSE(records[1].trace.valid());
  // The scope restores the previous context.
  EXPECT_FALSE(log::CurrentTraceContext().valid());
  {
    server::CommandLogScope scope(span);
    EXPECT_TRUE(log::CurrentTraceContext().valid());
    FERRITE_INFO("ferrite::storage", "inside the handler");
  }
  EXPECT_FALSE(log::CurrentTraceContext().valid());
  records = Records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].trace.span_id[0], 0x10);
}

}  // namespace
}  // namespace ferrite::commands
