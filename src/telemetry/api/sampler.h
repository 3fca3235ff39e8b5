#pragma once
// Head sampling: the decision made once at command start.
//
//   bool sampled = telemetry::ShouldSample(sampler, parent_or_null, trace_id);
//
// The six OTEL_TRACES_SAMPLER values are supported. The ratio samplers use the W3C Level 2 /
// OpenTelemetry ProbabilitySampler rule: R = the least-significant 56 bits of the trace id,
// sample iff R >= T with T = (1 - ratio) * 2^56. It is deterministic in the trace id and
// monotone in the ratio (a higher ratio samples a superset), and agrees with any other SDK that
// uses the same rule, so a trace sampled at 10% by a client is kept by Ferrite at >= 10%.
// Parent-based samplers follow the parent's sampled flag when a valid parent exists (remote and
// local parents are treated alike, which matches the spec defaults).
//
// Cost: a few compares and one 64-bit load; no allocation, no locks.
// Thread safety: Sampler is an immutable value after construction.

#include <cstdint>
#include <optional>
#include <string_view>

#include "telemetry/api/trace_context.h"

namespace ferrite::telemetry {

enum class SamplerKind : unsigned char {
  kAlwaysOn,
  kAlwaysOff,
  kTraceIdRatio,
  kParentBasedAlwaysOn,
  kParentBasedAlwaysOff,
  kParentBasedTraceIdRatio,
};

struct Sampler {
  SamplerKind kind = SamplerKind::kParentBasedAlwaysOn;
  double ratio = 1.0;
  // Rejection threshold over 56 bits; precomputed so the decision is one compare.
  uint64_t threshold = 0;

  static Sampler Make(SamplerKind kind, double ratio) noexcept {
    Sampler s;
    s.kind = kind;
    if (!(ratio >= 0.0)) ratio = 0.0;  // also catches NaN
    if (ratio > 1.0) ratio = 1.0;
    s.ratio = ratio;
    constexpr double kTwo56 = 72057594037927936.0;  // 2^56
    double t = (1.0 - ratio) * kTwo56;
    s.threshold = t >= kTwo56 ? (uint64_t{1} << 56) : static_cast<uint64_t>(t);
    return s;
  }
};

// The low 56 bits of a trace id (bytes 9..15, big-endian).
inline uint64_t TraceRandomness(const TraceId& id) noexcept {
  uint64_t r = 0;
  for (int i = 9; i < 16; ++i) r = r << 8 | id.bytes[i];
  return r;
}

inline bool RatioSample(const Sampler& s, const TraceId& id) noexcept {
  return TraceRandomness(id) >= s.threshold;
}

// `parent` may be null (no parent) or point at an invalid context (treated as absent).
inline bool ShouldSample(const Sampler& s, const SpanContext* parent, const TraceId& id) noexcept {
  bool has_parent = parent != nullptr && parent->IsValid();
  switch (s.kind) {
    case SamplerKind::kAlwaysOn:
      return true;
    case SamplerKind::kAlwaysOff:
      return false;
    case SamplerKind::kTraceIdRatio:
      return RatioSample(s, id);
    case SamplerKind::kParentBasedAlwaysOn:
      return has_parent ? parent->sampled() : true;
    case SamplerKind::kParentBasedAlwaysOff:
      return has_parent ? parent->sampled() : false;
    case SamplerKind::kParentBasedTraceIdRatio:
      return has_parent ? parent->sampled() : RatioSample(s, id);
  }
  return false;
}

inline std::optional<SamplerKind> ParseSamplerKind(std::string_view v) noexcept {
  auto eq = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != b[i]) return false;
    }
    return true;
  };
  if (eq(v, "always_on")) return SamplerKind::kAlwaysOn;
  if (eq(v, "always_off")) return SamplerKind::kAlwaysOff;
  if (eq(v, "traceidratio")) return SamplerKind::kTraceIdRatio;
  if (eq(v, "parentbased_always_on")) return SamplerKind::kParentBasedAlwaysOn;
  if (eq(v, "parentbased_always_off")) return SamplerKind::kParentBasedAlwaysOff;
  if (eq(v, "parentbased_traceidratio")) return SamplerKind::kParentBasedTraceIdRatio;
  return std::nullopt;
}

inline constexpr std::string_view SamplerKindName(SamplerKind k) noexcept {
  switch (k) {
    case SamplerKind::kAlwaysOn:
      return "always_on";
    case SamplerKind::kAlwaysOff:
      return "always_off";
    case SamplerKind::kTraceIdRatio:
      return "traceidratio";
    case SamplerKind::kParentBasedAlwaysOn:
      return "parentbased_always_on";
    case SamplerKind::kParentBasedAlwaysOff:
      return "parentbased_always_off";
    case SamplerKind::kParentBasedTraceIdRatio:
      return "parentbased_traceidratio";
  }
  return "parentbased_always_on";
}

inline constexpr bool IsRatioSampler(SamplerKind k) noexcept {
  return k == SamplerKind::kTraceIdRatio || k == SamplerKind::kParentBasedTraceIdRatio;
}

}  // namespace ferrite::telemetry
