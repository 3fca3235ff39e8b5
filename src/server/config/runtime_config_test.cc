#include "server/config/runtime_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/log.h"
#include "server/config/config.h"

namespace ferrite::server::config {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs GetAll(const RuntimeConfig& rc, std::vector<std::string_view> patterns) {
  return rc.Get(patterns);
}

std::string Get1(const RuntimeConfig& rc, std::string_view name) {
  Pairs p = GetAll(rc, {name});
  return p.size() == 1 ? p[0].second : "<" + std::to_string(p.size()) + " results>";
}

std::string SetErr(RuntimeConfig& rc, std::string_view name, std::string_view value) {
  Status s = rc.Set(name, value);
  return s.ok() ? "OK" : std::string(s.message());
}

TEST(RuntimeConfigTest, GetReturnsRedisFormattedValues) {
  Config c;
  c.storage.dir = "/var/lib/ferrite";
  RuntimeConfig rc(c);
  EXPECT_EQ(Get1(rc, "maxmemory"), "1073741824");
  EXPECT_EQ(Get1(rc, "maxmemory-policy"), "noeviction");
  EXPECT_EQ(Get1(rc, "appendonly"), "no");
  EXPECT_EQ(Get1(rc, "appendfsync"), "everysec");
  EXPECT_EQ(Get1(rc, "save"), "300 1");
  EXPECT_EQ(Get1(rc, "dir"), "/var/lib/ferrite");
  EXPECT_EQ(Get1(rc, "port"), "6379");
  EXPECT_EQ(Get1(rc, "bind"), "127.0.0.1");
  EXPECT_EQ(Get1(rc, "databases"), "16");
  EXPECT_EQ(Get1(rc, "timeout"), "0");
  EXPECT_EQ(Get1(rc, "maxclients"), "10000");
  EXPECT_EQ(Get1(rc, "slowlog-log-slower-than"), "10000");
  EXPECT_EQ(Get1(rc, "slowlog-max-len"), "128");
  EXPECT_EQ(Get1(rc, "hz"), "10");
  EXPECT_EQ(Get1(rc, "proto-max-bulk-len"), "536870912");
  EXPECT_EQ(Get1(rc, "client-query-buffer-limit"), "1073741824");
  EXPECT_EQ(Get1(rc, "client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  EXPECT_EQ(Get1(rc, "MAXMEMORY"), "1073741824");  // names are case-insensitive
}

TEST(RuntimeConfigTest, GetMatchesGlobsOncePerParameter) {
  RuntimeConfig rc{Config{}};
  Pairs p = GetAll(rc, {"maxmemory*"});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].first, "maxmemory");
  EXPECT_EQ(p[1].first, "maxmemory-policy");
  p = GetAll(rc, {"maxmemory", "max*", "slowlog-*"});
  std::vector<std::string> names;
  for (auto& [n, v] : p) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"maxmemory", "maxmemory-policy", "maxclients",
                                             "slowlog-log-slower-than", "slowlog-max-len"}));
  EXPECT_TRUE(GetAll(rc, {"no-such-parameter"}).empty());
  EXPECT_EQ(GetAll(rc, {"*"}).size(), RuntimeConfig::ParameterNames().size());
}

TEST(RuntimeConfigTest, SetUpdatesValuesAndAtomics) {
  RuntimeConfig rc{Config{}};
  EXPECT_EQ(SetErr(rc, "maxmemory", "100mb"), "OK");
  EXPECT_EQ(rc.maxmemory(), 100ull << 20);
  EXPECT_EQ(Get1(rc, "maxmemory"), "104857600");
  EXPECT_EQ(SetErr(rc, "MaxMemory-Policy", "ALLKEYS-LRU"), "OK");
  EXPECT_EQ(rc.maxmemory_policy(), MaxmemoryPolicy::kAllkeysLru);
  EXPECT_EQ(Get1(rc, "maxmemory-policy"), "allkeys-lru");
  EXPECT_EQ(SetErr(rc, "appendonly", "yes"), "OK");
  EXPECT_TRUE(rc.appendonly());
  EXPECT_EQ(SetErr(rc, "appendfsync", "always"), "OK");
  EXPECT_EQ(rc.appendfsync(), AofSync::kAlways);
  EXPECT_EQ(SetErr(rc, "slowlog-log-slower-than", "0"), "OK");
  EXPECT_EQ(rc.slowlog_log_slower_than(), 0);
  EXPECT_EQ(SetErr(rc, "slowlog-max-len", "1000"), "OK");
  EXPECT_EQ(rc.slowlog_max_len(), 1000);
  EXPECT_EQ(SetErr(rc, "proto-max-bulk-len", "2mb"), "OK");
  EXPECT_EQ(rc.proto_max_bulk_len(), 2u << 20);
  EXPECT_EQ(SetErr(rc, "client-query-buffer-limit", "4194304"), "OK");
  EXPECT_EQ(rc.client_query_buffer_limit(), 4u << 20);
  EXPECT_EQ(SetErr(rc, "client-output-buffer-limit", "normal 1mb 512kb 5"), "OK");
  OutputBufferLimit normal = rc.output_buffer_limit(ClientClass::kNormal);
  EXPECT_EQ(normal.hard, 1u << 20);
  EXPECT_EQ(normal.soft, 512u << 10);
  EXPECT_EQ(normal.soft_seconds, 5);
  EXPECT_EQ(rc.output_buffer_limit(ClientClass::kPubSub).hard, 32u << 20);
  EXPECT_EQ(Get1(rc, "client-output-buffer-limit"),
            "normal 1048576 524288 5 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  EXPECT_EQ(SetErr(rc, "timeout", "30"), "OK");
  EXPECT_EQ(rc.timeout_seconds(), 30);
  EXPECT_EQ(SetErr(rc, "maxclients", "50"), "OK");
  EXPECT_EQ(rc.maxclients(), 50);
  EXPECT_EQ(SetErr(rc, "hz", "1000"), "OK");  // clamped as Redis does
  EXPECT_EQ(rc.hz(), 500);
  EXPECT_EQ(SetErr(rc, "save", ""), "OK");
  EXPECT_EQ(Get1(rc, "save"), "");
  EXPECT_EQ(SetErr(rc, "save", "900 1 60 10000"), "OK");
  EXPECT_EQ(Get1(rc, "save"), "60 1");
  Config snap = rc.Snapshot();
  EXPECT_EQ(snap.persistence.checkpoint_interval, 60);
  EXPECT_EQ(snap.provenance.Describe("storage.max_memory"), "config-set");
}

TEST(RuntimeConfigTest, TclSuiteParametersAreKeptWithRedisBounds) {
  RuntimeConfig rc(Config{});
  EXPECT_EQ(Get1(rc, "rdb-key-save-delay"), "0");
  EXPECT_EQ(Get1(rc, "repl-ping-replica-period"), "10");
  EXPECT_EQ(Get1(rc, "replica-read-only"), "yes");
  ASSERT_TRUE(rc.Set("rdb-key-save-delay", "-10").ok());
  EXPECT_EQ(rc.Snapshot().runtime_only.rdb_key_save_delay, -10);
  ASSERT_TRUE(rc.Set("repl-ping-slave-period", "1").ok());  // the old name is an alias
  EXPECT_EQ(Get1(rc, "repl-ping-replica-period"), "1");
  EXPECT_FALSE(rc.Set("repl-ping-replica-period", "0").ok());
  ASSERT_TRUE(rc.Set("slave-read-only", "no").ok());
  EXPECT_EQ(Get1(rc, "replica-read-only"), "no");
  EXPECT_FALSE(rc.Set("replica-read-only", "maybe").ok());
}

TEST(RuntimeConfigTest, ErrorsUseRedisText) {
  RuntimeConfig rc{Config{}};
  EXPECT_EQ(SetErr(rc, "foo", "bar"),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(SetErr(rc, "databases", "4"),
            "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
            "immutable config");
  EXPECT_EQ(SetErr(rc, "maxmemory", "lots"),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be "
            "a memory value");
  EXPECT_EQ(SetErr(rc, "maxmemory", "-1"),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be "
            "a memory value");
  EXPECT_EQ(SetErr(rc, "timeout", "abc"),
            "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't "
            "be parsed into an integer");
  EXPECT_EQ(SetErr(rc, "slowlog-log-slower-than", "-2"),
            "ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - "
            "argument must be between -1 and 9223372036854775807 inclusive");
  EXPECT_EQ(SetErr(rc, "maxclients", "0"),
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must "
            "be between 1 and 4294967295 inclusive");
  EXPECT_EQ(SetErr(rc, "proto-max-bulk-len", "1000"),
            "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - "
            "argument must be between 1048576 and 9223372036854775807 inclusive");
  EXPECT_EQ(SetErr(rc, "appendonly", "maybe"),
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must "
            "be 'yes' or 'no'");
  EXPECT_EQ(SetErr(rc, "maxmemory-policy", "lru"),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
            "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
            "noeviction");
  EXPECT_EQ(SetErr(rc, "appendfsync", "sometimes"),
            "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) "
            "must be one of the following: everysec, always, no");
  EXPECT_EQ(SetErr(rc, "save", "100"),
            "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
            "parameters");
  EXPECT_EQ(SetErr(rc, "client-output-buffer-limit", "master 0 0 0"),
            "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') "
            "- Invalid client class specified in buffer limit configuration.");
  // Nothing changed.
  EXPECT_EQ(rc.maxmemory(), 1ull << 30);
  EXPECT_FALSE(rc.appendonly());
}

TEST(RuntimeConfigTest, MultiSetIsAllOrNothing) {
  RuntimeConfig rc{Config{}};
  using P = std::pair<std::string_view, std::string_view>;
  std::vector<P> bad = {{"maxmemory", "10mb"}, {"timeout", "x"}};
  EXPECT_FALSE(rc.Set(bad).ok());
  EXPECT_EQ(rc.maxmemory(), 1ull << 30);
  std::vector<P> dup = {{"timeout", "1"}, {"TIMEOUT", "2"}};
  EXPECT_EQ(rc.Set(dup).message(),
            "ERR CONFIG SET failed (possibly related to argument 'TIMEOUT') - duplicate "
            "parameter");
  // An unknown name is reported even after an immutable one, as in Redis.
  std::vector<P> mixed = {{"port", "1"}, {"nope", "2"}};
  EXPECT_EQ(rc.Set(mixed).message(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'nope'");
  std::vector<P> good = {{"maxmemory", "10mb"}, {"timeout", "7"}};
  EXPECT_TRUE(rc.Set(good).ok());
  EXPECT_EQ(rc.maxmemory(), 10u << 20);
  EXPECT_EQ(rc.timeout_seconds(), 7);
}

TEST(RuntimeConfigTest, ListenersReactAndMayVeto) {
  RuntimeConfig rc{Config{}};
  std::vector<uint64_t> seen_memory;
  int all_calls = 0;
  rc.AddListener({"maxmemory"}, [&](const Config& c) {
    seen_memory.push_back(c.storage.max_memory);
    return Status::Ok();
  });
  rc.AddListener({}, [&](const Config&) {
    ++all_calls;
    return Status::Ok();
  });
  ASSERT_TRUE(rc.Set("maxmemory", "20mb").ok());
  ASSERT_TRUE(rc.Set("timeout", "5").ok());
  ASSERT_TRUE(rc.Set("timeout", "5").ok());  // unchanged: nobody is called
  EXPECT_EQ(seen_memory, (std::vector<uint64_t>{20u << 20}));
  EXPECT_EQ(all_calls, 2);

  int veto = rc.AddListener({"maxmemory"}, [&](const Config& c) {
    EXPECT_EQ(rc.maxmemory(), c.storage.max_memory);  // new values are visible to listeners
    return Status::InvalidArgument("not enough memory for the index");
  });
  EXPECT_EQ(SetErr(rc, "maxmemory", "1mb"),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - not enough "
            "memory for the index");
  EXPECT_EQ(rc.maxmemory(), 20u << 20);
  // The first listener saw the new value, then the restored one.
  EXPECT_EQ(seen_memory, (std::vector<uint64_t>{20u << 20, 1u << 20, 20u << 20}));
  rc.RemoveListener(veto);
  EXPECT_EQ(SetErr(rc, "maxmemory", "1mb"), "OK");
}

TEST(RuntimeConfigTest, LogLevelDrivesTheGlobalLogger) {
  RuntimeConfig rc{Config{}};
  ASSERT_EQ(SetErr(rc, "loglevel", "debug"), "OK");
  EXPECT_TRUE(log::MaybeEnabled(log::Level::kDebug));
  EXPECT_TRUE(log::Global().Enabled(log::Level::kDebug, "ferrite::server"));
  ASSERT_EQ(SetErr(rc, "loglevel", "warning"), "OK");  // Redis's name for warn
  EXPECT_EQ(Get1(rc, "loglevel"), "warn");
  EXPECT_FALSE(log::MaybeEnabled(log::Level::kInfo));
  ASSERT_EQ(SetErr(rc, "loglevel", "notice"), "OK");
  EXPECT_EQ(Get1(rc, "loglevel"), "info");
  EXPECT_TRUE(log::MaybeEnabled(log::Level::kInfo));
}

TEST(RuntimeConfigTest, ResetStatRunsHandlers) {
  RuntimeConfig rc{Config{}};
  int a = 0, b = 0;
  rc.AddResetStatHandler([&] { ++a; });
  rc.AddResetStatHandler([&] { ++b; });
  rc.ResetStats();
  rc.ResetStats();
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 2);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(RuntimeConfigTest, RewriteKeepsTheFileAndUpdatesValues) {
  std::string path =
      ::testing::TempDir() + "/ferrite_rewrite_" + std::to_string(getpid()) + ".toml";
  {
    std::ofstream out(path);
    out << "# Ferrite test configuration\n"
           "[server]\n"
           "port = 6390  # the test port\n"
           "\n"
           "[storage]\n"
           "# memory budget\n"
           "max_memory = \"64mb\"\n"
           "\n"
           "[telemetry]\n"
           "service_name = \"keep-me\"\n";
  }
  Config c;
  ASSERT_TRUE(ApplyFile(path, &c).ok());
  RuntimeConfig rc(c);
  ASSERT_TRUE(rc.Set("maxmemory", "128mb").ok());
  ASSERT_TRUE(rc.Set("timeout", "15").ok());
  ASSERT_TRUE(rc.Set("appendonly", "yes").ok());
  Status s = rc.Rewrite();
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::string text = ReadAll(path);
  EXPECT_EQ(text,
            "# Ferrite test configuration\n"
            "[server]\n"
            "port = 6390\n"
            "timeout = 15\n"
            "\n"
            "[storage]\n"
            "# memory budget\n"
            "max_memory = \"128mb\"\n"
            "\n"
            "[telemetry]\n"
            "service_name = \"keep-me\"\n"
            "\n"
            "[persistence]\n"
            "aof_enabled = true\n");
  Config reloaded;
  ASSERT_TRUE(ApplyFile(path, &reloaded).ok());
  EXPECT_EQ(reloaded.storage.max_memory, 128u << 20);
  EXPECT_EQ(reloaded.server.timeout, 15);
  EXPECT_TRUE(reloaded.persistence.aof_enabled);
  EXPECT_EQ(reloaded.telemetry.service_name, "keep-me");
  std::filesystem::remove(path);
}

TEST(RuntimeConfigTest, RewriteNeedsAConfigFile) {
  RuntimeConfig rc{Config{}};
  EXPECT_EQ(rc.Rewrite().message(), "ERR The server is running without a config file");
  Status s = rc.RewriteTo("/nonexistent-dir/ferrite.toml");
  EXPECT_EQ(s.message().rfind("ERR Rewriting config file: ", 0), 0u) << s.ToString();
}

TEST(RuntimeConfigTest, ReadersSeeConsistentValuesWhileSetting) {
  RuntimeConfig rc{Config{}};
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      uint64_t m = rc.maxmemory();
      ASSERT_TRUE(m == (1ull << 30) || m == (1ull << 20) || m == (2ull << 20));
    }
  });
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(rc.Set("maxmemory", i % 2 == 0 ? "1mb" : "2mb").ok());
  }
  stop = true;
  reader.join();
  EXPECT_EQ(rc.maxmemory(), 2u << 20);
}

}  // namespace
}  // namespace ferrite::server::config

namespace ferrite::server::config {
namespace {

TEST(RuntimeConfigEncodingTest, ThresholdsAndTheirAliasesShareOneValue) {
  Config initial;
  RuntimeConfig rc(initial);
  EXPECT_EQ(rc.encoding_limits().hash_max_listpack_entries, 128);
  ASSERT_TRUE(rc.Set("hash-max-ziplist-entries", "16").ok());
  EXPECT_EQ(rc.encoding_limits().hash_max_listpack_entries, 16);
  std::string_view pattern = "hash-max-listpack-entries";
  auto got = rc.Get(std::span(&pattern, 1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, "16");
  ASSERT_TRUE(rc.Set("list-max-listpack-size", "-5").ok());
  EXPECT_EQ(rc.encoding_limits().list_max_listpack_size, -5);
  Status bad = rc.Set("set-max-intset-entries", "lots");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("set-max-intset-entries"), std::string::npos);
  EXPECT_EQ(rc.encoding_limits().set_max_intset_entries, 512);
}

}  // namespace
}  // namespace ferrite::server::config
