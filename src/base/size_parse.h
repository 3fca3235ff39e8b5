#pragma once
// Memory sizes as Redis writes them: "64mb", "1gb", "512kb", "100b", "1g", or plain bytes.
//
// Units are case-insensitive and follow Redis's memtoull: k = 1000, kb = 1024, m = 10^6,
// mb = 1024^2, g = 10^9, gb = 1024^3, b = 1. Unlike memtoull, a missing number ("mb"), a sign,
// spaces and overflow are rejected rather than read as 0 or wrapped. Shared by ferrite.toml
// parsing and CONFIG SET.
//
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferrite {

// The byte count `text` denotes, or nullopt when it is not a valid size.
std::optional<uint64_t> ParseMemorySize(std::string_view text) noexcept;

// The shortest exact text for `bytes` that ParseMemorySize reads back: "1gb", "64mb", "512kb" when
// the value is a whole multiple of the binary unit, otherwise the plain number ("1000").
std::string FormatMemorySize(uint64_t bytes);

}  // namespace ferrite
