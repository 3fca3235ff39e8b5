#include "server/config/output_buffer_limits.h"

#include <vector>

#include "base/size_parse.h"
#include "base/string_util.h"

namespace ferrite::server::config {

namespace {

std::vector<std::string_view> SplitSpaces(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

int ClassByName(std::string_view name) {
  if (EqualsIgnoreCase(name, "normal")) return int(ClientClass::kNormal);
  if (EqualsIgnoreCase(name, "replica") || EqualsIgnoreCase(name, "slave")) {
    return int(ClientClass::kReplica);
  }
  if (EqualsIgnoreCase(name, "pubsub")) return int(ClientClass::kPubSub);
  return -1;
}

std::string Format(const OutputBufferLimits& limits, bool redis) {
  static constexpr const char* kRedisNames[] = {"normal", "slave", "pubsub"};
  static constexpr const char* kTomlNames[] = {"normal", "replica", "pubsub"};
  std::string out;
  for (int c = 0; c < kClientClassCount; ++c) {
    const OutputBufferLimit& l = limits.limits[c];
    if (!out.empty()) out += ' ';
    out += redis ? kRedisNames[c] : kTomlNames[c];
    out += ' ';
    out += redis ? std::to_string(l.hard) : FormatMemorySize(l.hard);
    out += ' ';
    out += redis ? std::to_string(l.soft) : FormatMemorySize(l.soft);
    out += ' ';
    out += std::to_string(l.soft_seconds);
  }
  return out;
}

}  // namespace

bool ParseOutputBufferLimits(std::string_view text, OutputBufferLimits* limits, std::string* err) {
  std::vector<std::string_view> args = SplitSpaces(text);
  if (args.size() % 4 != 0) {
    *err = "Wrong number of arguments in buffer limit configuration.";
    return false;
  }
  OutputBufferLimits updated = *limits;
  for (size_t i = 0; i < args.size(); i += 4) {
    int cls = ClassByName(args[i]);
    if (cls < 0) {
      *err = "Invalid client class specified in buffer limit configuration.";
      return false;
    }
    auto hard = ParseMemorySize(args[i + 1]);
    auto soft = ParseMemorySize(args[i + 2]);
    int64_t seconds;
    if (!hard || !soft || !String2ll(args[i + 3], &seconds) || seconds < 0) {
      *err = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
      return false;
    }
    updated.limits[cls] = OutputBufferLimit{*hard, *soft, seconds};
  }
  *limits = updated;
  return true;
}

std::string FormatOutputBufferLimitsForRedis(const OutputBufferLimits& limits) {
  return Format(limits, true);
}

std::string FormatOutputBufferLimitsForToml(const OutputBufferLimits& limits) {
  return Format(limits, false);
}

}  // namespace ferrite::server::config
