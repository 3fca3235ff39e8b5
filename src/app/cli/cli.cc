#include "app/cli/cli.h"

#include <ostream>
#include <string_view>

#include "base/build_info.h"
#include "base/log.h"

namespace ferrite::app {

namespace {

struct ValueFlag {
  std::string_view flag;
  std::optional<std::string> CliOptions::*member;
  std::string_view config_key;  // empty for --config
};

constexpr ValueFlag kValueFlags[] = {
    {"--config", &CliOptions::config_file, ""},
    {"--port", &CliOptions::port, "server.port"},
    {"--bind", &CliOptions::bind, "server.bind"},
    {"--dir", &CliOptions::dir, "storage.dir"},
    {"--threads", &CliOptions::threads, "server.threads"},
};

struct BoolFlag {
  std::string_view flag;
  bool CliOptions::*member;
};

constexpr BoolFlag kBoolFlags[] = {
    {"--version", &CliOptions::version},
    {"--features", &CliOptions::features},
    {"--test-config", &CliOptions::test_config},
    {"--dump-config", &CliOptions::dump_config},
    {"--help", &CliOptions::help},
    {"-h", &CliOptions::help},
};

}  // namespace

Result<CliOptions> ParseCommandLine(int argc, const char* const* argv) {
  CliOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (arg.starts_with("--")) {
      size_t eq = arg.find('=');
      if (eq != std::string_view::npos) {
        name = arg.substr(0, eq);
        inline_value = arg.substr(eq + 1);
      }
    }
    bool matched = false;
    for (const ValueFlag& f : kValueFlags) {
      if (name != f.flag) continue;
      matched = true;
      std::string value;
      if (inline_value) {
        value = std::string(*inline_value);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return Status::InvalidArgument(std::string(f.flag) + ": missing value");
      }
      if (value.empty()) return Status::InvalidArgument(std::string(f.flag) + ": empty value");
      options.*(f.member) = std::move(value);
    }
    for (const BoolFlag& f : kBoolFlags) {
      if (name != f.flag) continue;
      if (inline_value) {
        return Status::InvalidArgument(std::string(f.flag) + ": takes no value");
      }
      matched = true;
      options.*(f.member) = true;
    }
    if (!matched) {
      if (!arg.starts_with("-")) {
        return Status::InvalidArgument("unexpected argument '" + std::string(arg) +
                                       "' (use --config FILE)");
      }
      return Status::InvalidArgument("unknown option '" + std::string(name) + "' (see --help)");
    }
  }
  if (options.features && !options.version) {
    return Status::InvalidArgument("--features: only valid with --version");
  }
  return options;
}

std::string UsageText() {
  return "Usage: ferrite [options]\n"
         "\n"
         "Ferrite, a Redis-compatible key-value server.\n"
         "\n"
         "Options:\n"
         "  --config FILE     read settings from a ferrite.toml file (default: built-in "
         "defaults)\n"
         "  --port N          TCP port for clients (server.port, default 6379)\n"
         "  --bind ADDR       addresses to listen on (server.bind, default 127.0.0.1)\n"
         "  --dir PATH        data directory (storage.dir, default ./data)\n"
         "  --threads N       event-loop threads, 0 = one per core (server.threads)\n"
         "  --version         print the version; add --features for the compiled-in features\n"
         "  --test-config     check the configuration and exit (0 = OK, 1 = error)\n"
         "  --dump-config     print the effective configuration as TOML and exit\n"
         "  --help            print this help\n"
         "\n"
         "Environment: FERRITE_<SECTION>_<KEY> overrides any key (FERRITE_SERVER_PORT=6380),\n"
         "FERRITE_LOG or RUST_LOG set per-target log levels (ferrite=debug,opentelemetry=debug),\n"
         "OTEL_* variables configure telemetry. Precedence: flags > environment > file > "
         "defaults.\n"
         "See docs/configuration.md.\n";
}

std::string VersionText(bool with_features) {
  std::string text = std::string("ferrite ") + kVersion;
  if (!with_features) return text;
  std::string features;
  auto add = [&features](bool on, const char* name) {
    if (!on) return;
    if (!features.empty()) features += ", ";
    features += name;
  };
  add(FERRITE_OTEL, "otel");
  add(FERRITE_IO_URING, "io-uring");
  add(FERRITE_TLS, "tls");
  return text + " (features: " + (features.empty() ? "none" : features) + ")";
}

Result<server::config::Config> LoadEffectiveConfig(const CliOptions& options,
                                                   const GetEnv& getenv) {
  server::config::Config config;
  if (options.config_file) {
    Status s = server::config::ApplyFile(*options.config_file, &config);
    if (!s.ok()) return s;
  }
  Status s = server::config::ApplyEnvironment(getenv, &config);
  if (!s.ok()) return s;
  for (const ValueFlag& f : kValueFlags) {
    const std::optional<std::string>& value = options.*(f.member);
    if (f.config_key.empty() || !value) continue;
    s = server::config::ApplyCliValue(f.config_key, f.flag, *value, &config);
    if (!s.ok()) return s;
  }
  s = server::config::Validate(config);
  if (!s.ok()) return s;
  return config;
}

std::optional<int> RunNonServingActions(const CliOptions& options, const GetEnv& getenv,
                                        std::ostream& out, std::ostream& err) {
  if (options.help) {
    out << UsageText();
    return 0;
  }
  if (options.version) {
    out << VersionText(options.features) << "\n";
    return 0;
  }
  if (!options.test_config && !options.dump_config) return std::nullopt;
  auto config = LoadEffectiveConfig(options, getenv);
  if (!config) {
    err << config.error().message() << "\n";
    return 1;
  }
  if (options.dump_config) out << server::config::DumpToml(*config);
  if (options.test_config) out << "configuration OK\n";
  return 0;
}

Status ConfigureLogging(const server::config::Config& config) {
  Status s = log::Configure(server::config::LogOptions(config));
  if (!s.ok()) return s;
  for (const std::string& warning : config.telemetry.warnings) {
    FERRITE_WARN("ferrite::config", "{}", warning);
  }
  if (!FERRITE_OTEL && config.telemetry.enabled) {
    FERRITE_WARN("ferrite::telemetry", "OTel not available: built without the otel feature");
  }
  return Status::Ok();
}

}  // namespace ferrite::app
