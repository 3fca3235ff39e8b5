#include "server/config/config.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "server/config/output_buffer_limits.h"

namespace ferrite::server::config {
namespace {

std::string ErrorOf(std::string_view toml_text) {
  Config c;
  Status s = ApplyToml(toml_text, "ferrite.toml", &c);
  return s.ok() ? "OK" : std::string(s.message());
}

// A fake environment for ApplyEnvironment.
struct FakeEnv {
  std::map<std::string, std::string> vars;
  GetEnv fn() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

TEST(ConfigTest, EmbeddedDefaults) {
  Config c;
  EXPECT_EQ(c.server.port, 6379);
  EXPECT_EQ(c.server.threads, 0);
  EXPECT_EQ(c.server.max_connections, 10000);
  EXPECT_EQ(c.server.timeout, 0);
  EXPECT_EQ(c.server.tcp_keepalive, 300);
  EXPECT_EQ(c.storage.databases, 16);
  EXPECT_EQ(c.metrics.port, 9090);
  EXPECT_EQ(c.logging.slowlog_log_slower_than, 10000);
  EXPECT_EQ(c.logging.slowlog_max_len, 128);
  EXPECT_EQ(c.persistence.aof_sync, "everysec");
  EXPECT_TRUE(Validate(c).ok());
  // Every default passes its own key's validation (re-setting it from its text changes nothing).
  for (const KeySpec& key : Schema()) {
    Config copy;
    ASSERT_TRUE(SetFromString(key, ValueToText(key, c), &copy).ok()) << FullName(key);
    EXPECT_TRUE(SameValue(key, copy, c)) << FullName(key);
  }
}

TEST(ConfigTest, SchemaIsWellFormed) {
  std::set<std::string> names, envs, flags, redis;
  for (const KeySpec& key : Schema()) {
    EXPECT_TRUE(names.insert(FullName(key)).second) << FullName(key);
    EXPECT_TRUE(envs.insert(EnvVarName(key)).second);
    if (!key.cli_flag.empty()) {
      EXPECT_TRUE(flags.insert(std::string(key.cli_flag)).second);
    }
    if (!key.redis_name.empty()) {
      EXPECT_TRUE(redis.insert(std::string(key.redis_name)).second);
    }
    EXPECT_FALSE(key.help.empty()) << FullName(key);
    if (key.kind == ValueKind::kEnum) {
      EXPECT_FALSE(key.choices.empty());
    }
  }
  EXPECT_EQ(EnvVarName(*FindKey("storage", "max_memory")), "FERRITE_STORAGE_MAX_MEMORY");
  EXPECT_EQ(FindKey("server", "prot"), nullptr);
}

TEST(ConfigTest, ParsesAFullFile) {
  Config c;
  Status s = ApplyToml(R"(
[server]
bind = "0.0.0.0"
port = 6380
threads = 4
max_connections = 500
timeout = 30

[storage]
databases = 4
max_memory = "64mb"
max_disk = 10737418240
dir = "/var/lib/ferrite"
page_size = "1MB"
mutable_fraction = 0.5
maxmemory_policy = "allkeys-lru"

[persistence]
aof_enabled = true
aof_sync = "ALWAYS"

[metrics]
enabled = false

[logging]
level = "debug"
format = "json"
output = "/var/log/ferrite.log"
slowlog_log_slower_than = -1
)",
                       "ferrite.toml", &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.server.bind, "0.0.0.0");
  EXPECT_EQ(c.server.port, 6380);
  EXPECT_EQ(c.server.threads, 4);
  EXPECT_EQ(c.storage.max_memory, 64ull << 20);
  EXPECT_EQ(c.storage.max_disk, 10737418240ull);
  EXPECT_EQ(c.storage.page_size, 1ull << 20);
  EXPECT_EQ(c.storage.mutable_fraction, 0.5);
  EXPECT_EQ(c.storage.maxmemory_policy, "allkeys-lru");
  EXPECT_TRUE(c.persistence.aof_enabled);
  EXPECT_EQ(c.persistence.aof_sync, "always");  // enum values are normalised
  EXPECT_FALSE(c.metrics.enabled);
  EXPECT_EQ(c.logging.format, "json");
  EXPECT_EQ(c.logging.slowlog_log_slower_than, -1);
  EXPECT_EQ(c.provenance.Describe("server.port"), "file");
  EXPECT_EQ(c.provenance.Describe("server.hz"), "default");
  log::Options lo = LogOptions(c);
  EXPECT_EQ(lo.level, log::Level::kDebug);
  EXPECT_EQ(lo.format, log::Format::kJson);
  EXPECT_EQ(lo.output, "/var/log/ferrite.log");
}

TEST(ConfigTest, UnknownKeysAndSectionsAreErrors) {
  EXPECT_EQ(ErrorOf("[server]\nprot = 1\n"), "ferrite.toml: unknown key 'server.prot'");
  EXPECT_EQ(ErrorOf("[servr]\nport = 1\n"), "ferrite.toml: unknown section '[servr]'");
  EXPECT_EQ(ErrorOf("port = 1\n"),
            "ferrite.toml: unknown key 'port' (keys belong in a section such as [server])");
  EXPECT_EQ(ErrorOf("[server.extra]\nx = 1\n"), "ferrite.toml: unknown key 'server.extra'");
  EXPECT_EQ(ErrorOf("[telemetry]\nbogus = 1\n"), "ferrite.toml: unknown key 'telemetry.bogus'");
}

TEST(ConfigTest, WrongTypesAndRangesNameTheKey) {
  EXPECT_EQ(ErrorOf("[server]\nport = \"6379\"\n"),
            "ferrite.toml: server.port: expected an integer between 0 and 65535");
  EXPECT_EQ(ErrorOf("[server]\nport = 70000\n"),
            "ferrite.toml: server.port: expected an integer between 0 and 65535");
  EXPECT_EQ(ErrorOf("[server]\nport = 1.5\n"),
            "ferrite.toml: server.port: expected an integer between 0 and 65535");
  EXPECT_EQ(ErrorOf("[server]\nbind = 127\n"), "ferrite.toml: server.bind: expected a string");
  EXPECT_EQ(ErrorOf("[storage]\nmax_memory = \"64 mb\"\n"),
            "ferrite.toml: storage.max_memory: expected a size (bytes, or a string like \"64mb\")");
  EXPECT_EQ(ErrorOf("[storage]\nmax_memory = -1\n"),
            "ferrite.toml: storage.max_memory: expected a size (bytes, or a string like \"64mb\")");
  EXPECT_EQ(ErrorOf("[storage]\npage_size = \"1kb\"\n"),
            "ferrite.toml: storage.page_size: expected a size (bytes, or a string like \"64mb\") "
            "between 4kb and 1gb");
  EXPECT_EQ(ErrorOf("[storage]\npage_size = 12288\n"),
            "ferrite.toml: storage.page_size: expected a power of two");
  EXPECT_EQ(ErrorOf("[storage]\nmutable_fraction = 1.5\n"),
            "ferrite.toml: storage.mutable_fraction: expected a number between 0.01 and 1.0");
  EXPECT_EQ(ErrorOf("[storage]\ndatabases = 0\n"),
            "ferrite.toml: storage.databases: expected an integer between 1 and 1024");
  EXPECT_EQ(ErrorOf("[persistence]\naof_sync = \"sometimes\"\n"),
            "ferrite.toml: persistence.aof_sync: expected one of \"always\", \"everysec\", \"no\"");
  EXPECT_EQ(ErrorOf("[persistence]\naof_enabled = \"yes\"\n"),
            "ferrite.toml: persistence.aof_enabled: expected true or false");
  EXPECT_EQ(ErrorOf("[persistence]\naof_filename = \"a/b.aof\"\n"),
            "ferrite.toml: persistence.aof_filename: expected a file name, not a path");
  EXPECT_EQ(ErrorOf("[logging]\nslowlog_log_slower_than = -2\n"),
            "ferrite.toml: logging.slowlog_log_slower_than: expected an integer >= -1");
  EXPECT_EQ(ErrorOf("[logging]\nlevel = \"loud\"\n"),
            "ferrite.toml: logging.level: expected one of \"error\", \"warn\", \"info\", "
            "\"debug\", \"trace\"");
  EXPECT_EQ(ErrorOf("[server]\nclient_output_buffer_limit = \"normal 0 0\"\n"),
            "ferrite.toml: server.client_output_buffer_limit: Wrong number of arguments in buffer "
            "limit configuration.");
  // A mutable_fraction written as an integer is fine.
  EXPECT_EQ(ErrorOf("[storage]\nmutable_fraction = 1\n"), "OK");
}

TEST(ConfigTest, SyntaxErrorsGiveLineAndColumn) {
  std::string err = ErrorOf("[server]\nport = = 1\n");
  EXPECT_EQ(err.rfind("ferrite.toml:2:", 0), 0u) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos);
}

TEST(ConfigTest, ABadFileChangesNothing) {
  Config c;
  ASSERT_FALSE(ApplyToml("[server]\nport = 7000\n[storage]\nbogus = 1\n", "f.toml", &c).ok());
  EXPECT_EQ(c.server.port, 6379);
  EXPECT_EQ(c.provenance.Describe("server.port"), "default");
  Status missing = ApplyFile("/nonexistent/ferrite.toml", &c);
  EXPECT_FALSE(missing.ok());
  EXPECT_EQ(missing.message().rfind("/nonexistent/ferrite.toml: cannot read", 0), 0u);
}

TEST(ConfigTest, TelemetrySectionIsParsedByTheTelemetryLayer) {
  Config c;
  Status s = ApplyToml(R"(
[telemetry]
enabled = true
endpoint = "http://collector:4317"
service_name = "cache"
sample_rate = 0.25

[telemetry.resource_attributes]
"deployment.environment" = "production"
)",
                       "ferrite.toml", &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(c.telemetry.enabled);
  EXPECT_EQ(c.telemetry.service_name, "cache");
  EXPECT_EQ(c.telemetry.sample_rate, 0.25);
  ASSERT_EQ(c.telemetry.resource_attributes.size(), 1u);
  std::string dump = DumpToml(c);
  EXPECT_NE(dump.find("service_name = \"cache\"  # from: file"), std::string::npos) << dump;
  std::string err = ErrorOf("[telemetry]\nsample_rate = \"high\"\n");
  EXPECT_EQ(err.rfind("ferrite.toml: telemetry.sample_rate: ", 0), 0u) << err;
}

TEST(ConfigTest, EnvironmentOverridesTheFile) {
  Config c;
  ASSERT_TRUE(ApplyToml("[server]\nport = 7000\n[logging]\nlevel = \"warn\"\n", "f", &c).ok());
  FakeEnv env;
  env.vars["FERRITE_SERVER_PORT"] = "7001";
  env.vars["FERRITE_STORAGE_MAX_MEMORY"] = "2gb";
  env.vars["FERRITE_PERSISTENCE_AOF_ENABLED"] = "yes";
  env.vars["FERRITE_LOG"] = "ferrite=debug,opentelemetry=debug";
  env.vars["RUST_LOG"] = "trace";
  env.vars["OTEL_SERVICE_NAME"] = "from-env";
  Status s = ApplyEnvironment(env.fn(), &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.server.port, 7001);
  EXPECT_EQ(c.storage.max_memory, 2ull << 30);
  EXPECT_TRUE(c.persistence.aof_enabled);
  EXPECT_EQ(c.logging.env_directives, "ferrite=debug,opentelemetry=debug");  // FERRITE_LOG wins
  EXPECT_EQ(c.telemetry.service_name, "from-env");
  EXPECT_EQ(c.provenance.Describe("server.port"), "env:FERRITE_SERVER_PORT");
  EXPECT_EQ(c.provenance.Describe("logging.env_directives"), "env:FERRITE_LOG");
  // The environment beats the file's level for the targets it names.
  log::Options lo = LogOptions(c);
  auto filter = log::Filter::Parse(lo.directives, lo.level);
  ASSERT_TRUE(filter);
  EXPECT_EQ(filter->LevelFor("ferrite::server"), log::Level::kDebug);
  EXPECT_EQ(filter->LevelFor("opentelemetry"), log::Level::kDebug);
  EXPECT_EQ(filter->LevelFor("other"), log::Level::kWarn);

  std::string dump = DumpToml(c);
  EXPECT_NE(dump.find("port = 7001  # from: env:FERRITE_SERVER_PORT"), std::string::npos);
  EXPECT_NE(dump.find("service_name = \"from-env\"  # from: env:OTEL_SERVICE_NAME"),
            std::string::npos);
  EXPECT_NE(dump.find("# per-target filter from env:FERRITE_LOG: ferrite=debug"),
            std::string::npos);
}

TEST(ConfigTest, RustLogIsAcceptedWhenFerriteLogIsAbsent) {
  Config c;
  FakeEnv env;
  env.vars["RUST_LOG"] = "ferrite=debug";
  ASSERT_TRUE(ApplyEnvironment(env.fn(), &c).ok());
  EXPECT_EQ(c.logging.env_directives, "ferrite=debug");
  EXPECT_EQ(c.provenance.Describe("logging.env_directives"), "env:RUST_LOG");
}

TEST(ConfigTest, BadEnvironmentValuesNameTheVariable) {
  Config c;
  FakeEnv env;
  env.vars["FERRITE_SERVER_PORT"] = "http";
  Status s = ApplyEnvironment(env.fn(), &c);
  EXPECT_EQ(s.message(),
            "environment variable FERRITE_SERVER_PORT: expected an integer between 0 and 65535");
  EXPECT_EQ(c.server.port, 6379);
  FakeEnv env2;
  env2.vars["FERRITE_LOG"] = "ferrite=chatty";
  s = ApplyEnvironment(env2.fn(), &c);
  EXPECT_EQ(s.message(),
            "environment variable FERRITE_LOG: invalid log directive 'ferrite=chatty'");
}

TEST(ConfigTest, CommandLineValues) {
  Config c;
  ASSERT_TRUE(ApplyCliValue("server.port", "--port", "6390", &c).ok());
  EXPECT_EQ(c.server.port, 6390);
  EXPECT_EQ(c.provenance.Describe("server.port"), "cli");
  Status s = ApplyCliValue("server.port", "--port", "99999", &c);
  EXPECT_EQ(s.message(), "--port: expected an integer between 0 and 65535");
  s = ApplyCliValue("server.threads", "--threads", "-1", &c);
  EXPECT_EQ(s.message(), "--threads: expected an integer between 0 and 1024");
}

TEST(ConfigTest, DumpIsValidTomlThatRoundTrips) {
  Config c;
  ASSERT_TRUE(
      ApplyToml("[storage]\nmax_memory = 123456789\ndir = \"a \\\"quoted\\\" dir\"\n", "f", &c)
          .ok());
  ASSERT_TRUE(ApplyCliValue("server.port", "--port", "6400", &c).ok());
  std::string dump = DumpToml(c);
  EXPECT_NE(dump.find("port = 6400  # from: cli"), std::string::npos) << dump;
  EXPECT_NE(dump.find("max_memory = 123456789  # from: file"), std::string::npos) << dump;
  EXPECT_NE(dump.find("databases = 16  # from: default"), std::string::npos) << dump;
  EXPECT_NE(dump.find("page_size = \"32mb\"  # from: default"), std::string::npos) << dump;
  EXPECT_NE(dump.find("[telemetry]"), std::string::npos);
  // Every schema key appears with a provenance comment.
  for (const KeySpec& key : Schema()) {
    EXPECT_NE(dump.find("\n" + std::string(key.name) + " = "), std::string::npos) << key.name;
  }
  Config reparsed;
  Status s = ApplyToml(dump, "dump", &reparsed);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << dump;
  for (const KeySpec& key : Schema()) {
    EXPECT_TRUE(SameValue(key, c, reparsed)) << FullName(key);
  }
  EXPECT_EQ(reparsed.telemetry.service_name, c.telemetry.service_name);
}

TEST(ConfigTest, CrossKeyValidation) {
  Config c;
  c.metrics.port = 6379;
  EXPECT_EQ(Validate(c).message(),
            "configuration: metrics.port: must differ from server.port (6379)");
  c.metrics.enabled = false;
  EXPECT_TRUE(Validate(c).ok());
}

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(FERRITE_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ConfigTest, ExampleFileShowsEveryKeyWithItsDefault) {
  std::string text = ReadSourceFile("ferrite.toml.example");
  ASSERT_FALSE(text.empty());
  Config c;
  Status s = ApplyToml(text, "ferrite.toml.example", &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  Config defaults;
  for (const KeySpec& key : Schema()) {
    EXPECT_EQ(c.provenance.Describe(FullName(key)), "file") << FullName(key) << " missing";
    EXPECT_TRUE(SameValue(key, c, defaults)) << FullName(key) << " differs from the default";
  }
}

TEST(ConfigTest, DocsDescribeEveryKey) {
  std::string docs = ReadSourceFile("docs/configuration.md");
  ASSERT_FALSE(docs.empty());
  for (const KeySpec& key : Schema()) {
    EXPECT_NE(docs.find("| `" + std::string(key.name) + "` |"), std::string::npos) << FullName(key);
    EXPECT_NE(docs.find(EnvVarName(key)), std::string::npos) << EnvVarName(key);
  }
}

TEST(OutputBufferLimitsTest, ParsesRedisSyntax) {
  OutputBufferLimits limits;
  std::string err;
  EXPECT_EQ(FormatOutputBufferLimitsForRedis(limits),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  EXPECT_EQ(FormatOutputBufferLimitsForToml(limits),
            "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60");
  ASSERT_TRUE(ParseOutputBufferLimits("pubsub 1mb 512kb 10  SLAVE 1gb 0 0", &limits, &err));
  EXPECT_EQ(limits[ClientClass::kPubSub].hard, 1u << 20);
  EXPECT_EQ(limits[ClientClass::kPubSub].soft, 512u << 10);
  EXPECT_EQ(limits[ClientClass::kPubSub].soft_seconds, 10);
  EXPECT_EQ(limits[ClientClass::kReplica].hard, 1u << 30);
  EXPECT_EQ(limits[ClientClass::kNormal].hard, 0u);
  EXPECT_TRUE(ParseOutputBufferLimits("", &limits, &err));

  EXPECT_FALSE(ParseOutputBufferLimits("normal 0 0", &limits, &err));
  EXPECT_EQ(err, "Wrong number of arguments in buffer limit configuration.");
  EXPECT_FALSE(ParseOutputBufferLimits("master 0 0 0", &limits, &err));
  EXPECT_EQ(err, "Invalid client class specified in buffer limit configuration.");
  EXPECT_FALSE(ParseOutputBufferLimits("normal 1x 0 0", &limits, &err));
  EXPECT_EQ(err, "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
  EXPECT_FALSE(ParseOutputBufferLimits("normal 0 0 -1", &limits, &err));
  // Failed parses leave the limits unchanged.
  EXPECT_EQ(limits[ClientClass::kPubSub].hard, 1u << 20);
}

}  // namespace
}  // namespace ferrite::server::config
