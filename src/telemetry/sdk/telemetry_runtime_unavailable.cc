// TelemetryRuntime in a build without the otel feature: starting it fails with the message the
// seed's troubleshooting section documents, and the server keeps serving.

#include "telemetry/sdk/telemetry_runtime.h"

namespace ferrite::telemetry {

struct TelemetryRuntime::Impl {};

Result<std::unique_ptr<TelemetryRuntime>> TelemetryRuntime::Start(const TelemetryConfig& cfg) {
  return Start(cfg, Options{});
}

Result<std::unique_ptr<TelemetryRuntime>> TelemetryRuntime::Start(const TelemetryConfig&,
                                                                  const Options&) {
  return Status::Unavailable("OTel not available: built without the otel feature");
}

TelemetryRuntime::TelemetryRuntime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TelemetryRuntime::~TelemetryRuntime() = default;
bool TelemetryRuntime::ForceFlush(std::chrono::milliseconds) { return true; }
void TelemetryRuntime::Shutdown(std::chrono::milliseconds) {}
TelemetryStats TelemetryRuntime::Stats() const { return {}; }
std::vector<std::pair<std::string, std::string>> TelemetryRuntime::InfoFields() const {
  return InactiveInfoFields();
}
std::shared_ptr<ThreadBuffer> TelemetryRuntime::RegisterThread() { return nullptr; }

std::vector<std::pair<std::string, std::string>> InactiveInfoFields() {
  return {{"otel_available", Available() ? "1" : "0"}, {"otel_enabled", "0"}};
}

}  // namespace ferrite::telemetry
