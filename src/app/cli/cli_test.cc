#include "app/cli/cli.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "base/build_info.h"
#include "base/log.h"

namespace ferrite::app {
namespace {

Result<CliOptions> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "ferrite");
  return ParseCommandLine(int(args.size()), args.data());
}

std::string ParseError(std::vector<const char*> args) {
  auto r = Parse(std::move(args));
  return r ? "OK" : std::string(r.error().message());
}

struct Env {
  std::map<std::string, std::string> vars;
  GetEnv fn() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    static int counter = 0;
    path_ = ::testing::TempDir() + "/ferrite_cli_" + std::to_string(getpid()) + "_" +
            std::to_string(counter++) + ".toml";
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(CliTest, ParsesEveryFlag) {
  auto r = Parse({"--config", "/etc/ferrite.toml", "--port", "6380", "--bind=0.0.0.0", "--dir",
                  "/data", "--threads=2", "--test-config", "--dump-config"});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->config_file, "/etc/ferrite.toml");
  EXPECT_EQ(r->port, "6380");
  EXPECT_EQ(r->bind, "0.0.0.0");
  EXPECT_EQ(r->dir, "/data");
  EXPECT_EQ(r->threads, "2");
  EXPECT_TRUE(r->test_config);
  EXPECT_TRUE(r->dump_config);
  EXPECT_FALSE(r->version);
  auto v = Parse({"--version", "--features"});
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->version && v->features);
  EXPECT_TRUE(Parse({"-h"})->help);
  EXPECT_TRUE(Parse({})->config_file == std::nullopt);
}

TEST(CliTest, ErrorsNameTheFlag) {
  EXPECT_EQ(ParseError({"--prot", "1"}), "unknown option '--prot' (see --help)");
  EXPECT_EQ(ParseError({"--port"}), "--port: missing value");
  EXPECT_EQ(ParseError({"--config="}), "--config: empty value");
  EXPECT_EQ(ParseError({"--features"}), "--features: only valid with --version");
  EXPECT_EQ(ParseError({"--help=yes"}), "--help: takes no value");
  EXPECT_EQ(ParseError({"ferrite.toml"}), "unexpected argument 'ferrite.toml' (use --config FILE)");
}

TEST(CliTest, VersionText) {
  EXPECT_EQ(VersionText(false), std::string("ferrite ") + kVersion);
  std::string expected = std::string("ferrite ") + kVersion + " (features: ";
  std::vector<std::string> features;
  if (FERRITE_OTEL) features.push_back("otel");
  if (FERRITE_IO_URING) features.push_back("io-uring");
  if (FERRITE_TLS) features.push_back("tls");
  if (features.empty()) features.push_back("none");
  for (size_t i = 0; i < features.size(); ++i) expected += (i ? ", " : "") + features[i];
  EXPECT_EQ(VersionText(true), expected + ")");
}

TEST(CliTest, PrecedenceIsFlagsThenEnvThenFileThenDefaults) {
  TempFile file("[server]\nport = 7000\nbind = \"10.0.0.1\"\nthreads = 3\n");
  Env env;
  env.vars["FERRITE_SERVER_BIND"] = "10.0.0.2";
  env.vars["FERRITE_SERVER_PORT"] = "7001";
  auto opts = Parse({"--config", file.path().c_str(), "--port", "7002"});
  ASSERT_TRUE(opts);
  auto config = LoadEffectiveConfig(*opts, env.fn());
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_EQ(config->server.port, 7002);
  EXPECT_EQ(config->server.bind, "10.0.0.2");
  EXPECT_EQ(config->server.threads, 3);
  EXPECT_EQ(config->server.max_connections, 10000);
  EXPECT_EQ(config->provenance.Describe("server.port"), "cli");
  EXPECT_EQ(config->provenance.Describe("server.bind"), "env:FERRITE_SERVER_BIND");
  EXPECT_EQ(config->provenance.Describe("server.threads"), "file");
  EXPECT_EQ(config->provenance.Describe("server.timeout"), "default");
  EXPECT_EQ(config->config_file, file.path());
}

TEST(CliTest, NoConfigFileMeansDefaults) {
  auto config = LoadEffectiveConfig(CliOptions{}, Env{}.fn());
  ASSERT_TRUE(config);
  EXPECT_EQ(config->server.port, 6379);
  EXPECT_TRUE(config->config_file.empty());
}

TEST(CliTest, TestConfigReportsOkOrTheError) {
  TempFile good("[server]\nport = 6390\n");
  TempFile bad("[server]\nprot = 6390\n");
  std::ostringstream out, err;
  auto code = RunNonServingActions(*Parse({"--config", good.path().c_str(), "--test-config"}),
                                   Env{}.fn(), out, err);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out.str(), "configuration OK\n");
  EXPECT_EQ(err.str(), "");
  out.str("");
  code = RunNonServingActions(*Parse({"--config", bad.path().c_str(), "--test-config"}), Env{}.fn(),
                              out, err);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(), bad.path() + ": unknown key 'server.prot'\n");
  err.str("");
  code = RunNonServingActions(*Parse({"--port", "123456", "--test-config"}), Env{}.fn(), out, err);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(err.str(), "--port: expected an integer between 0 and 65535\n");
}

TEST(CliTest, DumpConfigPrintsProvenance) {
  Env env;
  env.vars["FERRITE_STORAGE_DATABASES"] = "8";
  std::ostringstream out, err;
  auto code = RunNonServingActions(*Parse({"--dump-config", "--threads", "2"}), env.fn(), out, err);
  EXPECT_EQ(code, 0);
  std::string dump = out.str();
  EXPECT_NE(dump.find("threads = 2  # from: cli"), std::string::npos) << dump;
  EXPECT_NE(dump.find("databases = 8  # from: env:FERRITE_STORAGE_DATABASES"), std::string::npos);
  EXPECT_NE(dump.find("port = 6379  # from: default"), std::string::npos);
  // The dump is itself a valid configuration.
  TempFile again(dump);
  out.str("");
  code = RunNonServingActions(*Parse({"--config", again.path().c_str(), "--test-config"}),
                              Env{}.fn(), out, err);
  EXPECT_EQ(code, 0) << err.str();
}

TEST(CliTest, HelpAndVersionNeedNoConfig) {
  std::ostringstream out, err;
  EXPECT_EQ(RunNonServingActions(*Parse({"--help"}), Env{}.fn(), out, err), 0);
  EXPECT_NE(out.str().find("--dump-config"), std::string::npos);
  out.str("");
  EXPECT_EQ(RunNonServingActions(*Parse({"--version", "--config", "/missing.toml"}), Env{}.fn(),
                                 out, err),
            0);
  EXPECT_EQ(out.str(), VersionText(false) + "\n");
  EXPECT_FALSE(RunNonServingActions(*Parse({"--port", "1"}), Env{}.fn(), out, err).has_value());
}

TEST(CliTest, ConfigureLoggingWritesJsonToTheConfiguredFile) {
  std::string path = ::testing::TempDir() + "/ferrite_cli_log_" + std::to_string(getpid());
  server::config::Config config;
  config.logging.output = path;
  config.logging.format = "json";
  config.logging.level = "warn";
  config.logging.env_directives = "ferrite::cli_test=debug";
  ASSERT_TRUE(ConfigureLogging(config).ok());
  FERRITE_DEBUG("ferrite::cli_test", "visible {}", 1);
  FERRITE_INFO("ferrite::other", "hidden");
  log::Global().Flush();
  std::ifstream in(path);
  std::string line, all;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    all += line;
  }
  EXPECT_EQ(lines, 1) << all;
  EXPECT_NE(
      all.find("\"level\":\"DEBUG\",\"target\":\"ferrite::cli_test\",\"message\":\"visible 1\""),
      std::string::npos)
      << all;
  server::config::Config bad;
  bad.logging.output = "/nonexistent-dir/x.log";
  EXPECT_FALSE(ConfigureLogging(bad).ok());
  server::config::Config restore;
  restore.logging.output = "stderr";
  ASSERT_TRUE(ConfigureLogging(restore).ok());
  std::filesystem::remove(path);
}

TEST(CliTest, TelemetryEnabledWithoutOtelOnlyLogs) {
  std::string path = ::testing::TempDir() + "/ferrite_cli_otel_" + std::to_string(getpid());
  server::config::Config config;
  config.logging.output = path;
  config.telemetry.enabled = true;
  ASSERT_TRUE(ConfigureLogging(config).ok());
  log::Global().Flush();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  bool logged =
      text.str().find("OTel not available: built without the otel feature") != std::string::npos;
  EXPECT_EQ(logged, !FERRITE_OTEL) << text.str();
  server::config::Config restore;
  restore.logging.output = "stderr";
  ASSERT_TRUE(ConfigureLogging(restore).ok());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ferrite::app
