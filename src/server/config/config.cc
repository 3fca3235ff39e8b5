// ferrite.toml parsing, environment and command-line layers, and --dump-config.
//
// toml++ reports syntax errors by exception; they are caught here and never leave this file.

#include "server/config/config.h"

#include <toml++/toml.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "base/string_util.h"

namespace ferrite::server::config {

namespace {

std::string Prefixed(std::string_view source, std::string_view message) {
  return std::string(source) + ": " + std::string(message);
}

// Checks the TOML type against the key's kind and renders the value as text for SetFromString,
// so files, the environment and the command line share one validator.
Status SetFromNode(const KeySpec& key, const toml::node& node, Config* config) {
  auto wrong = [&] { return Status::InvalidArgument(ExpectedText(key)); };
  std::string text;
  switch (key.kind) {
    case ValueKind::kBool:
      if (!node.is_boolean()) return wrong();
      text = node.as_boolean()->get() ? "true" : "false";
      break;
    case ValueKind::kInt:
      if (!node.is_integer()) return wrong();
      text = std::to_string(node.as_integer()->get());
      break;
    case ValueKind::kSize:
      if (node.is_integer()) {
        int64_t v = node.as_integer()->get();
        if (v < 0) return wrong();
        text = std::to_string(v);
      } else if (node.is_string()) {
        text = node.as_string()->get();
      } else {
        return wrong();
      }
      break;
    case ValueKind::kDouble:
      if (node.is_floating_point()) {
        std::ostringstream os;
        os.precision(17);
        os << node.as_floating_point()->get();
        text = os.str();
      } else if (node.is_integer()) {
        text = std::to_string(node.as_integer()->get());
      } else {
        return wrong();
      }
      break;
    case ValueKind::kString:
    case ValueKind::kEnum:
      if (!node.is_string()) return wrong();
      text = node.as_string()->get();
      break;
  }
  return SetFromString(key, text, config);
}

Status ParseSchemaSection(std::string_view section, const toml::table& table, Config* config) {
  for (auto&& [name, node] : table) {
    std::string full = std::string(section) + "." + std::string(name.str());
    const KeySpec* key = FindKey(section, name.str());
    if (key == nullptr) return Status::InvalidArgument("unknown key '" + full + "'");
    Status s = SetFromNode(*key, node, config);
    if (!s.ok()) return Status::InvalidArgument(full + ": " + std::string(s.message()));
    config->provenance.Set(full, ValueSource::kFile);
  }
  return Status::Ok();
}

template <const char* kName>
Status ParseSection(const toml::table& table, Config* config) {
  return ParseSchemaSection(kName, table, config);
}

std::string DumpSchemaSection(std::string_view section, const Config& config) {
  std::string out = "[" + std::string(section) + "]\n";
  for (const KeySpec& key : Schema()) {
    if (key.section != section) continue;
    out += std::string(key.name) + " = " + ValueToToml(key, config) +
           "  # from: " + config.provenance.Describe(FullName(key)) + "\n";
  }
  if (section == "logging" && !config.logging.env_directives.empty()) {
    out += "# per-target filter from " + config.provenance.Describe("logging.env_directives") +
           ": " + config.logging.env_directives + "\n";
  }
  return out;
}

template <const char* kName>
std::string DumpSection(const Config& config) {
  return DumpSchemaSection(kName, config);
}

// [telemetry] is parsed by the telemetry layer; its "telemetry.x: unknown key" is reworded to
// match the other sections.
Status ParseTelemetrySection(const toml::table& table, Config* config) {
  Status s =
      telemetry::ParseTelemetryTable(table, &config->telemetry, &config->telemetry_provenance);
  if (s.ok()) return s;
  std::string_view message = s.message();
  constexpr std::string_view kUnknown = ": unknown key";
  if (message.ends_with(kUnknown) && message.find(' ') == message.size() - kUnknown.size() + 1) {
    return Status::InvalidArgument(
        "unknown key '" + std::string(message.substr(0, message.size() - kUnknown.size())) + "'");
  }
  return s;
}

std::string DumpTelemetrySection(const Config& config) {
  return telemetry::DumpTelemetryToml(config.telemetry, config.telemetry_provenance);
}

constexpr char kServer[] = "server";
constexpr char kStorage[] = "storage";
constexpr char kPersistence[] = "persistence";
constexpr char kMetrics[] = "metrics";
constexpr char kLogging[] = "logging";

const SectionHandler kSections[] = {
    {kServer, ParseSection<kServer>, DumpSection<kServer>},
    {kStorage, ParseSection<kStorage>, DumpSection<kStorage>},
    {kPersistence, ParseSection<kPersistence>, DumpSection<kPersistence>},
    {kMetrics, ParseSection<kMetrics>, DumpSection<kMetrics>},
    {kLogging, ParseSection<kLogging>, DumpSection<kLogging>},
    {"telemetry", ParseTelemetrySection, DumpTelemetrySection},
};

}  // namespace

std::span<const SectionHandler> Sections() { return kSections; }

Status ApplyToml(std::string_view text, std::string_view source_name, Config* config) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return Status::InvalidArgument(std::string(source_name) + ":" + std::to_string(begin.line) +
                                   ":" + std::to_string(begin.column) + ": " +
                                   std::string(e.description()));
  }
  // Work on a copy so a bad file changes nothing.
  Config updated = *config;
  for (auto&& [name, node] : root) {
    std::string_view section = name.str();
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return Status::InvalidArgument(
          Prefixed(source_name, "unknown key '" + std::string(section) +
                                    "' (keys belong in a section such as [server])"));
    }
    const SectionHandler* handler = nullptr;
    for (const SectionHandler& h : kSections) {
      if (h.name == section) handler = &h;
    }
    if (handler == nullptr) {
      return Status::InvalidArgument(
          Prefixed(source_name, "unknown section '[" + std::string(section) + "]'"));
    }
    Status s = handler->parse(*table, &updated);
    if (!s.ok()) return Status::InvalidArgument(Prefixed(source_name, s.message()));
  }
  *config = std::move(updated);
  return Status::Ok();
}

Status ApplyFile(const std::string& path, Config* config) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IoError(path + ": cannot read configuration file: " + std::strerror(errno));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  Status s = ApplyToml(buffer.str(), path, config);
  if (!s.ok()) return s;
  config->config_file = path;
  return Status::Ok();
}

Status ApplyEnvironment(const GetEnv& getenv, Config* config) {
  Config updated = *config;
  for (const KeySpec& key : Schema()) {
    std::string var = EnvVarName(key);
    const char* value = getenv(var.c_str());
    if (value == nullptr) continue;
    Status s = SetFromString(key, value, &updated);
    if (!s.ok()) {
      return Status::InvalidArgument("environment variable " + var + ": " +
                                     std::string(s.message()));
    }
    updated.provenance.Set(FullName(key), ValueSource::kEnv, var);
  }
  // OTEL_* variables: invalid values are ignored with a warning (OTel's rule), kept in
  // telemetry.warnings for the logger.
  telemetry::ApplyOtelEnvironment(&updated.telemetry, &updated.telemetry_provenance, getenv);
  // FERRITE_LOG wins over RUST_LOG; both refine logging.level per target.
  for (const char* var : {"FERRITE_LOG", "RUST_LOG"}) {
    const char* value = getenv(var);
    if (value == nullptr || *value == '\0') continue;
    auto filter = log::Filter::Parse(value, log::Level::kInfo);
    if (!filter) {
      return Status::InvalidArgument("environment variable " + std::string(var) + ": " +
                                     std::string(filter.error().message()));
    }
    updated.logging.env_directives = value;
    updated.provenance.Set("logging.env_directives", ValueSource::kEnv, var);
    break;
  }
  *config = std::move(updated);
  return Status::Ok();
}

Status ApplyCliValue(std::string_view full_key, std::string_view flag, std::string_view text,
                     Config* config) {
  size_t dot = full_key.find('.');
  const KeySpec* key = dot == std::string_view::npos
                           ? nullptr
                           : FindKey(full_key.substr(0, dot), full_key.substr(dot + 1));
  if (key == nullptr) {
    return Status::InvalidArgument(std::string(flag) + ": unknown configuration key '" +
                                   std::string(full_key) + "'");
  }
  Status s = SetFromString(*key, text, config);
  if (!s.ok()) return Status::InvalidArgument(std::string(flag) + ": " + std::string(s.message()));
  config->provenance.Set(full_key, ValueSource::kCli);
  return Status::Ok();
}

Status Validate(const Config& config) {
  if (config.metrics.enabled && config.metrics.port != 0 &&
      config.metrics.port == config.server.port) {
    std::string source = config.config_file.empty() ? "configuration" : config.config_file;
    return Status::InvalidArgument(source + ": metrics.port: must differ from server.port (" +
                                   std::to_string(config.server.port) + ")");
  }
  return Status::Ok();
}

log::Options LogOptions(const Config& config) {
  log::Options options;
  options.level = log::ParseLevel(config.logging.level).value_or(log::Level::kInfo);
  options.directives = config.logging.env_directives;
  options.format = config.logging.format == "json" ? log::Format::kJson : log::Format::kText;
  options.output = config.logging.output;
  return options;
}

std::string DumpToml(const Config& config) {
  std::string out =
      "# Effective Ferrite configuration (ferrite --dump-config).\n"
      "# Each value says where it came from: default, file, env:VARIABLE or cli.\n";
  if (!config.config_file.empty()) out += "# Configuration file: " + config.config_file + "\n";
  for (const SectionHandler& section : kSections) {
    std::string text = section.dump(config);
    if (text.empty()) continue;
    out += "\n" + text;
  }
  return out;
}

}  // namespace ferrite::server::config
