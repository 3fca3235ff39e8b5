#include "telemetry/sdk/diagnostics.h"

#include <cstdio>
#include <map>
#include <mutex>
#include <string>

namespace ferrite::telemetry {
namespace {

struct State {
  std::mutex mu;
  DiagnosticHandler handler;
  std::chrono::milliseconds interval{10000};
  struct Category {
    std::chrono::steady_clock::time_point last{};
    bool seen = false;
    uint64_t suppressed = 0;
  };
  std::map<std::string, Category, std::less<>> categories;
  uint64_t suppressed_total = 0;
};

State& S() {
  static State* s = new State;  // never destroyed: reporters may run during static teardown
  return *s;
}

std::string_view LevelName(DiagLevel l) {
  switch (l) {
    case DiagLevel::kDebug:
      return "debug";
    case DiagLevel::kInfo:
      return "info";
    case DiagLevel::kWarn:
      return "warn";
    case DiagLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void SetDiagnosticHandler(DiagnosticHandler handler) {
  std::lock_guard<std::mutex> lock(S().mu);
  S().handler = std::move(handler);
}

void SetDiagnosticInterval(std::chrono::milliseconds interval) {
  std::lock_guard<std::mutex> lock(S().mu);
  S().interval = interval;
}

bool ReportDiagnostic(DiagLevel level, std::string_view category, std::string_view message) {
  State& s = S();
  std::string text;
  DiagnosticHandler handler;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.categories.find(category);
    if (it == s.categories.end())
      it = s.categories.emplace(std::string(category), State::Category{}).first;
    auto now = std::chrono::steady_clock::now();
    State::Category& c = it->second;
    if (c.seen && now - c.last < s.interval) {
      ++c.suppressed;
      ++s.suppressed_total;
      return false;
    }
    text.assign(message);
    if (c.suppressed) text += " (" + std::to_string(c.suppressed) + " similar messages suppressed)";
    c.seen = true;
    c.last = now;
    c.suppressed = 0;
    handler = s.handler;
  }
  if (handler) {
    handler(level, text);
  } else {
    std::fprintf(stderr, "ferrite opentelemetry %.*s: %s\n",
                 static_cast<int>(LevelName(level).size()), LevelName(level).data(), text.c_str());
  }
  return true;
}

uint64_t SuppressedDiagnostics() {
  std::lock_guard<std::mutex> lock(S().mu);
  return S().suppressed_total;
}

}  // namespace ferrite::telemetry
