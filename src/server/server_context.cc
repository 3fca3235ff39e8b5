#include "server/server_context.h"

#include <random>

namespace ferrite::server {

namespace {
std::string NewRunId() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(40, '0');
  for (char& c : id) c = kHex[rng() & 15];
  return id;
}
}  // namespace

ServerContext::ServerContext(storage::Store* store, const CommandRegistry* registry,
                             storage::ClockFn clock)
    : store_(store),
      registry_(registry),
      clock_(std::move(clock)),
      run_id_(NewRunId()),
      start_time_ms_(clock_()) {}

void ServerContext::AddInfoSection(InfoSection section) {
  for (InfoSection& existing : info_sections_) {
    if (existing.name == section.name) {
      existing = std::move(section);
      return;
    }
  }
  info_sections_.push_back(std::move(section));
}

}  // namespace ferrite::server
