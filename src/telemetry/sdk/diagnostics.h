#pragma once
// Diagnostics of the telemetry pipeline (export errors, partial successes, dropped data),
// rate-limited and routed to a handler the app points at the project logger
// (target `opentelemetry`). Until a handler is installed, messages go to stderr.
//
// Rate limit: per category, the first message passes, then at most one per `interval`; the next
// message that passes reports how many were suppressed in between.
//
// Thread safety: all functions may be called from any thread (a mutex guards the state; never
// called on the command path).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

namespace ferrite::telemetry {

enum class DiagLevel : uint8_t { kDebug, kInfo, kWarn, kError };

using DiagnosticHandler = std::function<void(DiagLevel, std::string_view message)>;

// nullptr restores the stderr default.
void SetDiagnosticHandler(DiagnosticHandler handler);
void SetDiagnosticInterval(std::chrono::milliseconds interval);  // default 10 s

// Reports `message` under `category` ("export", "partial_success", "dropped", ...), subject to
// the rate limit. Returns true when it was passed on.
bool ReportDiagnostic(DiagLevel level, std::string_view category, std::string_view message);

// Messages suppressed by the rate limit so far (all categories).
uint64_t SuppressedDiagnostics();

}  // namespace ferrite::telemetry
