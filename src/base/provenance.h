#pragma once
// Provenance: where each effective configuration value came from, keyed by its dotted TOML name
// ("server.port", "telemetry.endpoint"). `ferrite --dump-config` prints it as "# from: ..." so an
// operator can see why a value is what it is.
//
// Layers apply in order default -> file -> environment -> command line, each overwriting the
// origin of the keys it sets; CONFIG SET records "config-set". Keys never recorded are defaults.
//
// Thread safety: a value type; not synchronised.

#include <map>
#include <string>
#include <string_view>

namespace ferrite {

enum class ValueSource : unsigned char { kDefault, kFile, kEnv, kCli, kRuntime };

struct ValueOrigin {
  ValueSource source = ValueSource::kDefault;
  std::string detail;  // the environment variable for kEnv, else empty

  // "default", "file", "env:OTEL_SERVICE_NAME", "cli", "config-set".
  std::string ToString() const {
    switch (source) {
      case ValueSource::kDefault:
        return "default";
      case ValueSource::kFile:
        return "file";
      case ValueSource::kEnv:
        return "env:" + detail;
      case ValueSource::kCli:
        return "cli";
      case ValueSource::kRuntime:
        return "config-set";
    }
    return "default";
  }
};

class Provenance {
 public:
  void Set(std::string_view key, ValueSource source, std::string_view detail = {}) {
    origins_[std::string(key)] = ValueOrigin{source, std::string(detail)};
  }
  ValueOrigin Get(std::string_view key) const {
    auto it = origins_.find(key);
    return it == origins_.end() ? ValueOrigin{} : it->second;
  }
  std::string Describe(std::string_view key) const { return Get(key).ToString(); }
  const std::map<std::string, ValueOrigin, std::less<>>& entries() const { return origins_; }

 private:
  std::map<std::string, ValueOrigin, std::less<>> origins_;
};

}  // namespace ferrite
