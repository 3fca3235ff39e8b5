#include "server/server_context.h"

#include "base/random.h"

namespace ferrite::server {

ServerContext::ServerContext(storage::Store* store, const CommandRegistry* registry,
                             storage::ClockFn clock)
    : store_(store),
      registry_(registry),
      clock_(std::move(clock)),
      run_id_(GenerateRunId()),
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
