#pragma once
// CommandTrace: the per-command trace record the dispatcher stamps on the command path.
//
// Intended use by the server (one CommandTrace per connection, reused for every command):
//
//   CommandTrace& t = session.trace;
//   int64_t t0 = t.PrepareNext(parent_possible);  // before parsing: 0 = will not be sampled
//   t.Start(parent_or_null, t0);             // sampling decided here, once; cheap when off
//   ... parse ...              t.Stamp(Step::kRespParse);
//   ... lookup the command ... t.Stamp(Step::kDispatch);
//   t.SetCommand(argv, key_indexes, "SET");  // name, key, args_count, db.statement
//   t.SetClient(conn_id, db, peer_ip, peer_port);
//   { ActiveTraceScope active(t);            // lets StepScope deeper down find the trace
//     handler(ctx); }          t.Stamp(Step::kExecute);
//   t.SetResult("OK") or t.SetError("ERR wrong number of arguments");
//   ... serialize ...          t.Stamp(Step::kResponseSerialize);
//   ... write(2) ...           t.Stamp(Step::kTcpWrite);
//   t.Finish();                              // copies the record into the thread's ring
//
// Stamp(step) records the interval from the previous stamp (or Start) to now. Nested steps
// inside execute (index lookup, storage read/write per tier, epoch advance, AOF append) use
// StepScope, which finds the active trace through a thread-local pointer, so storage code needs
// no parameter. The exporter makes those steps children of `ferrite.command.execute`.
// Every method is a no-op unless the trace was sampled; none locks, allocates or enters the
// kernel. With span_detail = command, steps are not recorded at all.
// context() gives trace_id / span_id of the command span for log correlation.
//
// With FERRITE_OTEL=0 every class here is an empty stub with inline no-op members.
//
// Thread safety: a CommandTrace belongs to the thread running the command (move it with the
// connection if a command resumes elsewhere, re-entering ActiveTraceScope there).

#include <span>
#include <string_view>
#include <type_traits>

#include "telemetry/api/recorder.h"

namespace ferrite::telemetry {

#if FERRITE_OTEL

class CommandTrace {
 public:
  // Called before each request is parsed; returns the time the parse starts when the next
  // command may be sampled, and 0 (without reading the clock) when it will not be. A command
  // without a parent is sampled on its trace id alone, so the id is drawn here and Start uses
  // it. Pass `parent_possible` when the request may carry a parent (CLIENT TRACEPARENT pending,
  // or a RESP3 attribute ahead): parent-based samplers then decide in Start. It stays set until
  // Start, because an attribute is parsed on its own, just before its command.
  int64_t PrepareNext(bool parent_possible) noexcept {
    if (!TracingEnabled()) return 0;
    parent_possible_ |= parent_possible;
    if (parent_possible_) return MonotonicNanos();
    // A fresh id per command: one PrepareNext refused must not decide the next command too.
    // Only a sampled id is kept, so Start takes it without asking the sampler again.
    TraceId id = NewTraceId();
    next_id_sampled_ = ShouldSample(CurrentSampler(), nullptr, id);
    if (!next_id_sampled_) return 0;
    next_trace_id_ = id;
    return MonotonicNanos();
  }

  // Samples and, when sampled, starts the record at `start_ns` (0: now). `parent` may be null.
  // Returns sampled().
  bool Start(const SpanContext* parent = nullptr, int64_t start_ns = 0) noexcept {
    sampled_ = false;
    parent_possible_ = false;
    if (!TracingEnabled()) return false;
    bool has_parent = parent != nullptr && parent->IsValid();
    // An id PrepareNext drew was sampled there already; it is used once.
    const bool decided = !has_parent && next_id_sampled_;
    next_id_sampled_ = false;
    TraceId trace_id = has_parent ? parent->trace_id : decided ? next_trace_id_ : NewTraceId();
    if (!decided && !ShouldSample(CurrentSampler(), has_parent ? parent : nullptr, trace_id)) {
      return false;
    }
    sampled_ = true;
    CommandRecord& r = rec_;
    r.trace_id = trace_id;
    r.span_id = NewSpanId();
    r.has_parent = has_parent;
    if (has_parent) {
      r.parent = *parent;
      r.trace_flags =
          static_cast<uint8_t>((parent->trace_flags & kTraceFlagRandom) | kTraceFlagSampled);
    } else {
      r.trace_flags = kTraceFlagSampled | kTraceFlagRandom;
    }
    r.start_ns = start_ns ? start_ns : MonotonicNanos();
    last_ns_ = r.start_ns;
    r.end_ns = 0;
    r.detail = CurrentSpanDetail();
    r.step_count = r.steps_dropped = 0;
    r.command.len = r.key.len = r.statement.len = r.result.len = r.error.len = r.peer_ip.len = 0;
    r.key.truncated = false;
    r.args_count = 0;
    r.peer_port = 0;
    r.is_error = false;
    r.db_index = -1;
    r.connection_id = 0;
    r.storage_op = Step::kCount;
    r.tier = Tier::kNone;
    r.cache_hit = -1;
    r.storage_bytes = 0;
    r.has_epoch = false;
    r.replication_role = ReplicationRole::kNone;
    return true;
  }

  bool sampled() const noexcept { return sampled_; }

  // Records [previous stamp, now) as `step`. With span_detail = command, reads no clock.
  void Stamp(Step step) noexcept {
    if (!sampled_ || rec_.detail != SpanDetail::kFull) return;
    int64_t now = MonotonicNanos();
    Push(step, last_ns_, now);
    last_ns_ = now;
  }

  // Opens a nested step; returns a handle for EndStep (kNoStep when not recording).
  static constexpr uint8_t kNoStep = 0xff;
  uint8_t BeginStep(Step step) noexcept {
    if (!sampled_ || rec_.detail != SpanDetail::kFull) return kNoStep;
    int64_t now = MonotonicNanos();
    return Push(step, now, now);
  }
  void EndStep(uint8_t handle, Tier tier = Tier::kNone, int cache_hit = -1,
               uint64_t bytes = 0) noexcept {
    if (handle == kNoStep || handle >= rec_.step_count) return;
    StepRecord& s = rec_.steps[handle];
    s.end_ns = MonotonicNanos();
    s.tier = tier;
    s.cache_hit = static_cast<int8_t>(cache_hit);
    s.bytes = bytes;
    if (s.step == Step::kStorageRead || s.step == Step::kStorageWrite)
      SetStorage(s.step, tier, cache_hit, bytes);
  }

  // Command name (normalised, e.g. upper case), primary key (argv[key_indexes[0]]), args
  // count (argv.size(), the command included) and db.statement in the configured mode.
  void SetCommand(std::span<const std::string_view> argv, std::span<const uint16_t> key_indexes,
                  std::string_view name) noexcept {
    if (!sampled_) return;
    rec_.command.Assign(name);
    rec_.args_count = static_cast<uint32_t>(argv.size());
    if (!key_indexes.empty() && key_indexes[0] < argv.size()) rec_.key.Assign(argv[key_indexes[0]]);
    rec_.statement.len =
        static_cast<uint16_t>(BuildStatement(argv, key_indexes, CurrentStatementMode(),
                                             rec_.statement.data, sizeof rec_.statement.data));
  }

  void SetClient(uint64_t connection_id, int32_t db_index, std::string_view peer_ip,
                 uint16_t peer_port) noexcept {
    if (!sampled_) return;
    rec_.connection_id = connection_id;
    rec_.db_index = db_index;
    rec_.peer_ip.Assign(peer_ip);
    rec_.peer_port = peer_port;
  }

  // "OK", "NIL", an integer kind... Low-cardinality by contract.
  void SetResult(std::string_view result) noexcept {
    if (sampled_) rec_.result.Assign(result);
  }
  // An error reply: status ERROR with this message; result becomes its prefix ("ERR", ...).
  void SetError(std::string_view message) noexcept {
    if (!sampled_) return;
    rec_.is_error = true;
    rec_.error.Assign(message);
    size_t sp = message.find(' ');
    rec_.result.Assign(message.substr(0, sp));
  }
  void SetStorage(Step op, Tier tier, int cache_hit, uint64_t bytes) noexcept {
    if (!sampled_) return;
    rec_.storage_op = op;
    rec_.tier = tier;
    rec_.cache_hit = static_cast<int8_t>(cache_hit);
    rec_.storage_bytes = bytes;
  }
  void SetEpoch(uint64_t epoch) noexcept {
    if (!sampled_) return;
    rec_.has_epoch = true;
    rec_.epoch = epoch;
  }
  void SetReplication(ReplicationRole role, uint64_t offset) noexcept {
    if (!sampled_) return;
    rec_.replication_role = role;
    rec_.replication_offset = offset;
  }

  // Ends the command span and hands the record to the exporter. Returns false when it was
  // dropped (ring full or no runtime). The trace is inert afterwards until the next Start.
  bool Finish() noexcept {
    if (!sampled_) return false;
    sampled_ = false;
    rec_.end_ns = MonotonicNanos();
    return SubmitRecord(rec_);
  }

  // The command span's context (valid while sampled) for logs and child spans.
  SpanContext context() const noexcept {
    SpanContext c;
    if (!sampled_) return c;
    c.trace_id = rec_.trace_id;
    c.span_id = rec_.span_id;
    c.trace_flags = rec_.trace_flags;
    return c;
  }

  const CommandRecord& record() const noexcept { return rec_; }

 private:
  uint8_t Push(Step step, int64_t begin, int64_t end) noexcept {
    if (rec_.step_count == CommandRecord::kMaxSteps) {
      ++rec_.steps_dropped;
      return kNoStep;
    }
    StepRecord& s = rec_.steps[rec_.step_count];
    s.begin_ns = begin;
    s.end_ns = end;
    s.bytes = 0;
    s.step = step;
    s.tier = Tier::kNone;
    s.cache_hit = -1;
    return rec_.step_count++;
  }

  bool sampled_ = false;
  bool next_id_sampled_ = false;
  bool parent_possible_ = false;
  TraceId next_trace_id_;
  int64_t last_ns_ = 0;
  CommandRecord rec_;
};

// Makes `trace` the active command of this thread for StepScope and ActiveSpanContext().
class ActiveTraceScope {
 public:
  explicit ActiveTraceScope(CommandTrace& trace) noexcept
      : prev_(internal::tls_state.active_command) {
    internal::tls_state.active_command = &trace;
  }
  ~ActiveTraceScope() { internal::tls_state.active_command = prev_; }
  ActiveTraceScope(const ActiveTraceScope&) = delete;
  ActiveTraceScope& operator=(const ActiveTraceScope&) = delete;

 private:
  void* prev_;
};

inline CommandTrace* ActiveCommandTrace() noexcept {
  return static_cast<CommandTrace*>(internal::tls_state.active_command);
}

// A nested step of the active command (storage, index, epoch, AOF). No-op when none is active.
class StepScope {
 public:
  explicit StepScope(Step step) noexcept : trace_(ActiveCommandTrace()) {
    if (trace_ != nullptr) handle_ = trace_->BeginStep(step);
  }
  ~StepScope() {
    if (trace_ != nullptr) trace_->EndStep(handle_, tier_, cache_hit_, bytes_);
  }
  StepScope(const StepScope&) = delete;
  StepScope& operator=(const StepScope&) = delete;

  void SetTier(Tier t) noexcept { tier_ = t; }
  void SetCacheHit(bool hit) noexcept { cache_hit_ = hit ? 1 : 0; }
  void SetBytes(uint64_t b) noexcept { bytes_ = b; }
  void SetEpoch(uint64_t e) noexcept {
    if (trace_ != nullptr) trace_->SetEpoch(e);
  }

 private:
  CommandTrace* trace_;
  uint8_t handle_ = CommandTrace::kNoStep;
  Tier tier_ = Tier::kNone;
  int cache_hit_ = -1;
  uint64_t bytes_ = 0;
};

#else  // !FERRITE_OTEL: same surface, nothing inside.

class CommandTrace {
 public:
  static constexpr uint8_t kNoStep = 0xff;
  int64_t PrepareNext(bool) noexcept { return 0; }
  bool Start(const SpanContext* = nullptr, int64_t = 0) noexcept { return false; }
  bool sampled() const noexcept { return false; }
  void Stamp(Step) noexcept {}
  uint8_t BeginStep(Step) noexcept { return kNoStep; }
  void EndStep(uint8_t, Tier = Tier::kNone, int = -1, uint64_t = 0) noexcept {}
  void SetCommand(std::span<const std::string_view>, std::span<const uint16_t>,
                  std::string_view) noexcept {}
  void SetClient(uint64_t, int32_t, std::string_view, uint16_t) noexcept {}
  void SetResult(std::string_view) noexcept {}
  void SetError(std::string_view) noexcept {}
  void SetStorage(Step, Tier, int, uint64_t) noexcept {}
  void SetEpoch(uint64_t) noexcept {}
  void SetReplication(ReplicationRole, uint64_t) noexcept {}
  bool Finish() noexcept { return false; }
  SpanContext context() const noexcept { return {}; }
};
static_assert(std::is_empty_v<CommandTrace>);

class ActiveTraceScope {
 public:
  explicit ActiveTraceScope(CommandTrace&) noexcept {}
};
inline CommandTrace* ActiveCommandTrace() noexcept { return nullptr; }

class StepScope {
 public:
  explicit StepScope(Step) noexcept {}
  void SetTier(Tier) noexcept {}
  void SetCacheHit(bool) noexcept {}
  void SetBytes(uint64_t) noexcept {}
  void SetEpoch(uint64_t) noexcept {}
};
static_assert(std::is_empty_v<StepScope>);

#endif  // FERRITE_OTEL

// The span context logs should carry on this thread: the active command's, if sampled.
inline SpanContext ActiveSpanContext() noexcept {
  CommandTrace* t = ActiveCommandTrace();
  return t != nullptr ? t->context() : SpanContext{};
}

}  // namespace ferrite::telemetry
