#pragma once
// INFO: the sections Redis 7.0 prints, plus sections other subsystems add (# Hybridlog,
// # Telemetry, # Persistence once the AOF exists) through ServerContext::AddInfoSection().
//
// Selection follows Redis: no argument or "default" picks the default sections, "all" adds the
// non-default ones (commandstats, latencystats), "everything" adds all; names are
// case-insensitive and each section appears once.
//
// Thread safety: GenerateInfo may run on any event-loop thread concurrently.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ferrite::server {

class ServerContext;

std::string GenerateInfo(ServerContext& server, std::span<const std::string_view> sections);

// Appends one "key:value\r\n" INFO line; sections contributed by other subsystems use these too.
void AppendInfoLine(std::string* out, std::string_view key, std::string_view value);
void AppendInfoLine(std::string* out, std::string_view key, int64_t value);
void AppendInfoLine(std::string* out, std::string_view key, uint64_t value);

// "1.50M" style sizes, as Redis's bytesToHuman.
std::string BytesToHuman(uint64_t bytes);

}  // namespace ferrite::server
