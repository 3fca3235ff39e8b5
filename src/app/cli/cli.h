#pragma once
// The `ferrite` command line and the startup steps that need no server: --help, --version
// [--features], --test-config and --dump-config, plus loading the effective configuration.
//
//   ferrite [--config FILE] [--port N] [--bind ADDR] [--dir PATH] [--threads N]
//           [--version [--features]] [--test-config] [--dump-config] [--help]
//
// Flags take their value as the next argument or after '=' ("--port=6380"). Errors are one line
// naming the flag. The effective configuration layers defaults, then the file, then the
// environment, then these flags.
//
// main() stays small:
//   auto opts = app::ParseCommandLine(argc, argv);            // error: print, exit 1
//   if (auto code = app::RunNonServingActions(*opts, getenv, std::cout, std::cerr)) return *code;
//   auto config = app::LoadEffectiveConfig(*opts, getenv);   // error: print, exit 1
//   app::ConfigureLogging(*config);  ... serve ...  log::Shutdown();
//
// Thread safety: call from main() before any server thread starts.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/status.h"
#include "server/config/config.h"

namespace ferrite::app {

struct CliOptions {
  std::optional<std::string> config_file;
  std::optional<std::string> port;  // kept as text: validated with the config schema
  std::optional<std::string> bind;
  std::optional<std::string> dir;
  std::optional<std::string> threads;
  bool version = false;
  bool features = false;
  bool test_config = false;
  bool dump_config = false;
  bool help = false;
};

// Parses argv[1..argc). Errors: "unknown option '--prot'", "--port: missing value",
// "--features: only valid with --version".
Result<CliOptions> ParseCommandLine(int argc, const char* const* argv);

std::string UsageText();
// "ferrite 0.1.0", or with features "ferrite 0.1.0 (features: otel, io-uring, tls)" listing
// exactly the features compiled in ("(features: none)" in a lite build).
std::string VersionText(bool with_features);

using GetEnv = std::function<const char*(const char*)>;

// Defaults -> --config file -> FERRITE_* / FERRITE_LOG / RUST_LOG / OTEL_* -> flags, then the
// cross-key checks. Errors are the one-line messages of server/config/config.h.
Result<server::config::Config> LoadEffectiveConfig(const CliOptions& options, const GetEnv& getenv);

// Performs --help, --version, --test-config ("configuration OK" or the error) and
// --dump-config, writing to `out` / `err`. Returns the exit code when one of them ran (0, or 1
// for a bad configuration), nullopt when the server should start.
std::optional<int> RunNonServingActions(const CliOptions& options, const GetEnv& getenv,
                                        std::ostream& out, std::ostream& err);

// Points the global logger at [logging] (output, format, level and env directives) and logs
// what the configuration asked for but this build or environment ignores: OTEL_* values that
// were invalid, and telemetry.enabled in a build without the otel feature.
Status ConfigureLogging(const server::config::Config& config);

}  // namespace ferrite::app
