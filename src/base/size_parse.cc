#include "base/size_parse.h"

#include "base/string_util.h"

namespace ferrite {

std::optional<uint64_t> ParseMemorySize(std::string_view text) noexcept {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  std::string_view unit = text.substr(digits);
  uint64_t multiplier;
  if (unit.empty() || EqualsIgnoreCase(unit, "b")) {
    multiplier = 1;
  } else if (EqualsIgnoreCase(unit, "k")) {
    multiplier = 1000;
  } else if (EqualsIgnoreCase(unit, "kb")) {
    multiplier = 1024;
  } else if (EqualsIgnoreCase(unit, "m")) {
    multiplier = 1000 * 1000;
  } else if (EqualsIgnoreCase(unit, "mb")) {
    multiplier = 1024 * 1024;
  } else if (EqualsIgnoreCase(unit, "g")) {
    multiplier = 1000ull * 1000 * 1000;
  } else if (EqualsIgnoreCase(unit, "gb")) {
    multiplier = 1024ull * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (size_t i = 0; i < digits; ++i) {
    uint64_t d = uint64_t(text[i] - '0');
    if (value > (UINT64_MAX - d) / 10) return std::nullopt;
    value = value * 10 + d;
  }
  if (value != 0 && multiplier > UINT64_MAX / value) return std::nullopt;
  return value * multiplier;
}

std::string FormatMemorySize(uint64_t bytes) {
  constexpr uint64_t kKb = 1024, kMb = kKb * 1024, kGb = kMb * 1024;
  if (bytes != 0) {
    if (bytes % kGb == 0) return std::to_string(bytes / kGb) + "gb";
    if (bytes % kMb == 0) return std::to_string(bytes / kMb) + "mb";
    if (bytes % kKb == 0) return std::to_string(bytes / kKb) + "kb";
  }
  return std::to_string(bytes);
}

}  // namespace ferrite
