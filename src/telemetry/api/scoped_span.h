#pragma once
// ScopedSpan: a span for background work (page flush, compaction, checkpoint, AOF rewrite,
// fsync, replication sync), usable from any thread.
//
//   {
//     telemetry::ScopedSpan span(telemetry::semconv::kSpanPageFlush);
//     span.SetInt("ferrite.storage.bytes", n);
//     ... work ...
//     if (!st.ok()) span.SetError(st.message());
//   }  // ends here; the record goes to this thread's ring
//
// Without a parent the span is a root, sampled by the configured sampler like a command with no
// client context; with a parent (e.g. `trace.context()` of a command, or another ScopedSpan's
// context()) it joins that trace and follows its sampled flag. Names and attribute keys must
// have static storage duration (the semconv constants or string literals); string values are
// copied, bounded to 64 bytes and escaped to UTF-8 at export. At most 8 attributes; more are
// counted as dropped.
//
// Like CommandTrace: no locks, no allocation, no syscalls; an empty class when FERRITE_OTEL=0.
// Thread safety: one thread uses a ScopedSpan, the one that created it.

#include <string_view>
#include <type_traits>

#include "telemetry/api/recorder.h"

namespace ferrite::telemetry {

#if FERRITE_OTEL

class ScopedSpan {
 public:
  // REQUIRES: `name` has static storage duration.
  explicit ScopedSpan(std::string_view name, const SpanContext* parent = nullptr) noexcept {
    if (!TracingEnabled()) return;
    bool has_parent = parent != nullptr && parent->IsValid();
    TraceId trace_id = has_parent ? parent->trace_id : NewTraceId();
    if (!ShouldSample(CurrentSampler(), has_parent ? parent : nullptr, trace_id)) return;
    sampled_ = true;
    rec_.trace_id = trace_id;
    rec_.span_id = NewSpanId();
    rec_.parent_span_id = has_parent ? parent->span_id : SpanId{};
    rec_.parent_remote = has_parent && parent->remote;
    rec_.trace_flags = static_cast<uint8_t>(
        kTraceFlagSampled |
        (has_parent ? parent->trace_flags & kTraceFlagRandom : kTraceFlagRandom));
    rec_.name = name.data();
    rec_.name_len = static_cast<uint8_t>(name.size() < 255 ? name.size() : 255);
    rec_.start_ns = MonotonicNanos();
  }
  ~ScopedSpan() { End(); }
  ScopedSpan(const ScopedSpan&) = delete;
  ScopedSpan& operator=(const ScopedSpan&) = delete;

  bool sampled() const noexcept { return sampled_; }

  // REQUIRES: `key` has static storage duration.
  void SetString(std::string_view key, std::string_view value) noexcept {
    if (AttrSlot* a = Slot(key, AttrType::kString)) {
      a->str_len =
          static_cast<uint8_t>(value.size() < sizeof a->str ? value.size() : sizeof a->str);
      std::memcpy(a->str, value.data(), a->str_len);
    }
  }
  void SetInt(std::string_view key, int64_t value) noexcept {
    if (AttrSlot* a = Slot(key, AttrType::kInt)) a->i = value;
  }
  void SetDouble(std::string_view key, double value) noexcept {
    if (AttrSlot* a = Slot(key, AttrType::kDouble)) a->d = value;
  }
  void SetBool(std::string_view key, bool value) noexcept {
    if (AttrSlot* a = Slot(key, AttrType::kBool)) a->b = value;
  }
  void SetError(std::string_view message) noexcept {
    if (!sampled_) return;
    rec_.is_error = true;
    rec_.error.Assign(message);
  }

  // Context for child spans (invalid when not sampled, so children are not sampled either).
  SpanContext context() const noexcept {
    SpanContext c;
    if (!sampled_) return c;
    c.trace_id = rec_.trace_id;
    c.span_id = rec_.span_id;
    c.trace_flags = rec_.trace_flags;
    return c;
  }

  // Ends the span now (the destructor does it otherwise). Idempotent.
  void End() noexcept {
    if (!sampled_) return;
    sampled_ = false;
    rec_.end_ns = MonotonicNanos();
    SubmitRecord(rec_);
  }

 private:
  AttrSlot* Slot(std::string_view key, AttrType type) noexcept {
    if (!sampled_) return nullptr;
    if (rec_.attr_count == SpanRecord::kMaxAttrs) {
      ++rec_.attrs_dropped;
      return nullptr;
    }
    AttrSlot* a = &rec_.attrs[rec_.attr_count++];
    a->key = key.data();
    a->key_len = static_cast<uint8_t>(key.size() < 255 ? key.size() : 255);
    a->type = type;
    return a;
  }

  bool sampled_ = false;
  SpanRecord rec_;
};

#else

class ScopedSpan {
 public:
  explicit ScopedSpan(std::string_view, const SpanContext* = nullptr) noexcept {}
  bool sampled() const noexcept { return false; }
  void SetString(std::string_view, std::string_view) noexcept {}
  void SetInt(std::string_view, int64_t) noexcept {}
  void SetDouble(std::string_view, double) noexcept {}
  void SetBool(std::string_view, bool) noexcept {}
  void SetError(std::string_view) noexcept {}
  SpanContext context() const noexcept { return {}; }
  void End() noexcept {}
};
static_assert(std::is_empty_v<ScopedSpan>);

#endif

}  // namespace ferrite::telemetry
