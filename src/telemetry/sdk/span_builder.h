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
// Thread safety: pure functions (child span ids come from the calling thread's generator).

#include <string_view>
#include <vector>

#include "telemetry/api/records.h"
#include "telemetry/api/semconv.h"
#include "telemetry/export/span_data.h"

namespace ferrite::telemetry {

std::string_view StepSpanName(Step step);

// unix_offset_ns = CLOCK_REALTIME - CLOCK_MONOTONIC, in nanoseconds.
void BuildCommandSpans(const CommandRecord& r, semconv::NameScheme scheme, int64_t unix_offset_ns,
                       std::vector<SpanData>* out);
SpanData BuildBackgroundSpan(const SpanRecord& r, int64_t unix_offset_ns);

// Escapes arbitrary bytes into a valid UTF-8 std::string (see statement.h for the rules).
std::string EscapedUtf8(std::string_view bytes);

}  // namespace ferrite::telemetry
