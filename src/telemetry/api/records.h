#pragma once
// The fixed-size records the command path fills and the exporter thread turns into spans.
//
// CommandRecord: one sampled command (the `ferrite.command` span and its sub-steps).
// SpanRecord:    one span of background work (page flush, compaction, checkpoint, AOF rewrite).
// Both are trivially copyable, hold bounded inline copies of every string (no pointers into
// request buffers that may be reused), and are copied into a per-thread SPSC ring (a
// CommandRecord only as far as it is used: RingCopy below). Times
// are CLOCK_MONOTONIC nanoseconds; the exporter converts them to Unix time.
//
// Thread safety: plain data; written by one thread, then handed over through the ring.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "telemetry/api/spsc_ring.h"
#include "telemetry/api/trace_context.h"

namespace ferrite::telemetry {

// Sub-steps of a command, in the order the seed's waterfall shows them.
enum class Step : uint8_t {
  kRespParse,
  kDispatch,
  kExecute,
  kIndexLookup,
  kStorageRead,
  kStorageWrite,
  kEpochAdvance,
  kAofAppend,
  kResponseSerialize,
  kTcpWrite,
  kCount,
};

// HybridLog tier a storage step touched.
enum class Tier : uint8_t { kNone, kMutable, kReadOnly, kDisk };
enum class ReplicationRole : uint8_t { kNone, kPrimary, kReplica };
// Span detail (config `telemetry.span_detail`): the full hierarchy or the command span alone.
enum class SpanDetail : uint8_t { kFull, kCommand };

inline constexpr std::string_view TierName(Tier t) noexcept {
  switch (t) {
    case Tier::kMutable:
      return "mutable";
    case Tier::kReadOnly:
      return "read_only";
    case Tier::kDisk:
      return "disk";
    case Tier::kNone:
      break;
  }
  return "";
}

inline constexpr std::string_view ReplicationRoleName(ReplicationRole r) noexcept {
  return r == ReplicationRole::kPrimary   ? "primary"
         : r == ReplicationRole::kReplica ? "replica"
                                          : "";
}

struct StepRecord {
  int64_t begin_ns;
  int64_t end_ns;
  uint64_t bytes;  // storage steps: value size; 0 = not recorded
  Step step;
  Tier tier;
  int8_t cache_hit;  // -1 unknown, 0 miss, 1 hit
};

// Bounded inline string: copies at most N bytes and remembers whether it cut.
template <size_t N>
struct InlineString {
  static_assert(N < 65536);
  char data[N];
  uint16_t len = 0;
  bool truncated = false;
  void Assign(std::string_view s) noexcept {
    len = static_cast<uint16_t>(s.size() < N ? s.size() : N);
    truncated = s.size() > N;
    std::memcpy(data, s.data(), len);
  }
  std::string_view view() const noexcept { return {data, len}; }
  bool empty() const noexcept { return len == 0; }
  // Copies only the bytes in use.
  void CopyFrom(const InlineString& o) noexcept {
    len = o.len;
    truncated = o.truncated;
    std::memcpy(data, o.data, len);
  }
};

struct CommandRecord {
  static constexpr size_t kMaxSteps = 16;

  // Fixed-size fields first (everything before `parent`): RingCopy copies them in one piece and
  // the variable parts below only as far as they are used.

  // Identity. span_id is the `ferrite.command` span; children get ids from the exporter.
  TraceId trace_id;
  SpanId span_id;
  uint8_t trace_flags = 0;
  bool has_parent = false;
  SpanDetail detail = SpanDetail::kFull;
  uint8_t step_count = 0;
  uint8_t steps_dropped = 0;
  bool is_error = false;
  uint16_t peer_port = 0;

  int64_t start_ns = 0;
  int64_t end_ns = 0;

  uint32_t args_count = 0;
  int32_t db_index = -1;
  uint64_t connection_id = 0;

  // Storage summary on the command span (the last storage step's values).
  Step storage_op = Step::kCount;  // kStorageRead / kStorageWrite, kCount = none
  Tier tier = Tier::kNone;
  int8_t cache_hit = -1;
  bool has_epoch = false;
  ReplicationRole replication_role = ReplicationRole::kNone;
  uint64_t storage_bytes = 0;
  uint64_t epoch = 0;
  uint64_t replication_offset = 0;

  // Variable parts.
  SpanContext parent;  // valid when has_parent (remote: from the client)
  StepRecord steps[kMaxSteps];
  InlineString<32> command;     // as normalised by the caller (upper case)
  InlineString<64> key;         // primary key, raw bytes (escaped to UTF-8 at export)
  InlineString<256> statement;  // already sanitised and UTF-8 (BuildStatement)
  InlineString<16> result;      // "OK", "NIL", "ERR", ...
  InlineString<128> error;      // error reply text; non-empty => status ERROR
  InlineString<46> peer_ip;
};
static_assert(std::is_trivially_copyable_v<CommandRecord>);

// A CommandRecord is about 1.5 KB, most of it string and step capacity a command does not use:
// the ring copies the fixed part and only the used steps and string bytes (a few hundred bytes
// and cache lines instead of all of them), both when the command thread pushes and when the
// exporter pops. Fields past the used lengths keep stale bytes, which nothing reads.
template <>
struct RingCopy<CommandRecord> {
  static void Copy(CommandRecord* dst, const CommandRecord& src) noexcept {
    std::memcpy(static_cast<void*>(dst), &src, offsetof(CommandRecord, parent));
    if (src.has_parent) dst->parent = src.parent;
    const size_t steps =
        src.step_count < CommandRecord::kMaxSteps ? src.step_count : CommandRecord::kMaxSteps;
    std::memcpy(dst->steps, src.steps, steps * sizeof(StepRecord));
    dst->command.CopyFrom(src.command);
    dst->key.CopyFrom(src.key);
    dst->statement.CopyFrom(src.statement);
    dst->result.CopyFrom(src.result);
    dst->error.CopyFrom(src.error);
    dst->peer_ip.CopyFrom(src.peer_ip);
  }
};

enum class AttrType : uint8_t { kNone, kString, kInt, kDouble, kBool };

// One attribute of a background span. The key must have static storage duration (use the
// semconv constants or string literals); string values are copied (bounded).
struct AttrSlot {
  const char* key;
  uint8_t key_len;
  AttrType type;
  uint8_t str_len;
  bool b;
  int64_t i;
  double d;
  char str[64];
};

struct SpanRecord {
  static constexpr size_t kMaxAttrs = 8;
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;  // zero = root
  uint8_t trace_flags = 0;
  bool parent_remote = false;
  uint8_t attr_count = 0;
  uint8_t attrs_dropped = 0;
  const char* name = nullptr;  // static storage (semconv span names)
  uint8_t name_len = 0;
  uint8_t kind = 1;  // OTLP SpanKind: 1 INTERNAL
  bool is_error = false;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  InlineString<128> error;
  AttrSlot attrs[kMaxAttrs];
};
static_assert(std::is_trivially_copyable_v<SpanRecord>);

}  // namespace ferrite::telemetry
