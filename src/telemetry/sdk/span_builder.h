#pragma once
// Turns the api's records into exporter spans, off the command path (exporter thread).
//
// A CommandRecord becomes `ferrite.command` (kind SERVER; parent = the client's span when the
// command carried a traceparent; status ERROR with the message on an error reply) and, when
// steps were recorded, one INTERNAL child per step. Steps that run inside execute (index
// lookup, storage read/write, epoch advance, AOF append) are children of
// `ferrite.command.execute`; the others (RESP parse, dispatch, execute, response serialize,
// TCP write) are children of the command span. Attribute names follow the configured
// NameScheme (seed names, current names, or both). Keys and other binary strings are escaped
// to valid UTF-8.
//
// SpanViewBuilder is the exporter's path: it fills non-owning SpanViews from one record with
// no heap allocation (escaped strings go to its own scratch space, plain ones point into the
// record), and the encoder appends them straight into a request buffer. BuildCommandSpans /
// BuildBackgroundSpan make owning SpanData from the same views (tests, tools).
//
// Thread safety: a SpanViewBuilder is used by one thread; the free functions are pure (child
// span ids come from the calling thread's generator).

#include <span>
#include <string_view>
#include <vector>

#include "telemetry/api/records.h"
#include "telemetry/api/semconv.h"
#include "telemetry/export/span_data.h"

namespace ferrite::telemetry {

std::string_view StepSpanName(Step step);

class SpanViewBuilder {
 public:
  // The command span first, then one span per recorded step. The views (and the strings they
  // point at) stay valid until the next call and while `r` is alive and unchanged.
  // unix_offset_ns = CLOCK_REALTIME - CLOCK_MONOTONIC, in nanoseconds.
  std::span<const SpanView> Command(const CommandRecord& r, semconv::NameScheme scheme,
                                    int64_t unix_offset_ns);
  // One background span; same lifetime rules.
  const SpanView& Background(const SpanRecord& r, int64_t unix_offset_ns);

 private:
  static constexpr size_t kMaxCommandAttrs = 32;
  static constexpr size_t kMaxStepAttrs = 5;
  static constexpr size_t kMaxAttrs =
      kMaxCommandAttrs + kMaxStepAttrs * CommandRecord::kMaxSteps + SpanRecord::kMaxAttrs;

  std::string_view Escaped(std::string_view bytes);
  std::string_view Copy(std::string_view text);
  AttrView* NewAttr(SpanView& span, std::string_view key, AttrType type);
  void Str(SpanView& span, std::string_view key, std::string_view v);
  void Int(SpanView& span, std::string_view key, int64_t v);
  void Bool(SpanView& span, std::string_view key, bool v);
  void Storage(SpanView& span, Step op, Tier tier, int cache_hit, uint64_t bytes);

  SpanView spans_[1 + CommandRecord::kMaxSteps];
  AttrView attrs_[kMaxAttrs];
  size_t attrs_used_ = 0;
  // Escaped strings: every string of a record escaped (4 bytes out per byte in) fits.
  char text_[8192];
  size_t text_used_ = 0;
};

// Owning copies, built through SpanViewBuilder.
void BuildCommandSpans(const CommandRecord& r, semconv::NameScheme scheme, int64_t unix_offset_ns,
                       std::vector<SpanData>* out);
SpanData BuildBackgroundSpan(const SpanRecord& r, int64_t unix_offset_ns);
SpanData ToSpanData(const SpanView& v);

// Escapes arbitrary bytes into a valid UTF-8 std::string (see statement.h for the rules).
std::string EscapedUtf8(std::string_view bytes);

}  // namespace ferrite::telemetry
