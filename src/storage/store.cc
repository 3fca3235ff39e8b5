#include "storage/store.h"

#include <chrono>

namespace ferrite::storage {

std::string_view TierName(Tier tier) noexcept {
  switch (tier) {
    case Tier::kMutable:
      return "mutable";
    case Tier::kReadOnly:
      return "read_only";
    case Tier::kDisk:
      return "disk";
  }
  return "unknown";
}

int64_t SystemClockMs() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace ferrite::storage
