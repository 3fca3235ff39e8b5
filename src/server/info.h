#pragma once
// INFO: the sections Redis 7.0 prints, plus sections other subsystems add (# Hybridlog,
// # Telemetry, # Persistence once the AOF exists) through ServerContext::AddInfoSection().
//
// Selection follows Redis: no argument or "default" picks the default sections, "all" adds the
// non-default ones (commandstats, latencystats), "everything" adds all; names are
// case-insensitive and each section appears once.
//
// Thread safety: GenerateInfo may run on any event-loop thread concurrently.

#include <span>
#include <string>
#include <string_view>

namespace ferrite::server {

class ServerContext;

std::string GenerateInfo(ServerContext& server, std::span<const std::string_view> sections);

// "1.50M" style sizes, as Redis's bytesToHuman.
std::string BytesToHuman(uint64_t bytes);

}  // namespace ferrite::server
