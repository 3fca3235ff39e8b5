#pragma once
// Client output-buffer limits in Redis's syntax: "<class> <hard> <soft> <soft-seconds>" repeated,
// with classes normal, replica (or slave) and pubsub and sizes in Redis's units ("256mb").
//
// A client whose pending output exceeds `hard`, or stays above `soft` for `soft_seconds`, is
// disconnected (0 disables a limit). Shared by ferrite.toml validation and CONFIG SET.
//
// Thread safety: pure functions on values.

#include <cstdint>
#include <string>
#include <string_view>

namespace ferrite::server::config {

enum class ClientClass : unsigned char { kNormal = 0, kReplica = 1, kPubSub = 2 };
inline constexpr int kClientClassCount = 3;

struct OutputBufferLimit {
  uint64_t hard = 0;
  uint64_t soft = 0;
  int64_t soft_seconds = 0;
};

struct OutputBufferLimits {
  OutputBufferLimit limits[kClientClassCount] = {
      {0, 0, 0}, {256ull << 20, 64ull << 20, 60}, {32ull << 20, 8ull << 20, 60}};
  const OutputBufferLimit& operator[](ClientClass c) const { return limits[int(c)]; }
  OutputBufferLimit& operator[](ClientClass c) { return limits[int(c)]; }
};

// Updates the classes `text` names (others keep their values). On error returns false with
// Redis's message in *err and leaves *limits unchanged.
bool ParseOutputBufferLimits(std::string_view text, OutputBufferLimits* limits, std::string* err);

// Redis's CONFIG GET form: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60".
std::string FormatOutputBufferLimitsForRedis(const OutputBufferLimits& limits);
// The ferrite.toml form: "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60".
std::string FormatOutputBufferLimitsForToml(const OutputBufferLimits& limits);

}  // namespace ferrite::server::config
