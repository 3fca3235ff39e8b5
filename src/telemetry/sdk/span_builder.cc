#include "telemetry/sdk/span_builder.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <string>

#include "telemetry/api/recorder.h"
#include "telemetry/api/statement.h"

namespace ferrite::telemetry {
namespace {

namespace sc = semconv;

constexpr uint32_t kFlagHasIsRemote = 0x100;
constexpr uint32_t kFlagIsRemote = 0x200;

bool Nested(Step s) {
  return s == Step::kIndexLookup || s == Step::kStorageRead || s == Step::kStorageWrite ||
         s == Step::kEpochAdvance || s == Step::kAofAppend;
}

uint64_t ToUnix(int64_t mono, int64_t offset) {
  int64_t v = mono + offset;
  return v > 0 ? static_cast<uint64_t>(v) : 0;
}

// True when EscapeToUtf8 would return the bytes unchanged (printable ASCII, no quote or
// backslash): the common case for command names, keys, results and addresses.
bool PlainAscii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  return true;
}

}  // namespace

std::string EscapedUtf8(std::string_view bytes) {
  std::string out(bytes.size() * 4, '\0');
  size_t n = EscapeToUtf8(bytes, out.data(), out.size(), nullptr);
  out.resize(n);
  return out;
}

std::string_view StepSpanName(Step step) {
  switch (step) {
    case Step::kRespParse:
      return sc::kSpanRespParse;
    case Step::kDispatch:
      return sc::kSpanDispatch;
    case Step::kExecute:
      return sc::kSpanExecute;
    case Step::kIndexLookup:
      return sc::kSpanIndexLookup;
    case Step::kStorageRead:
      return sc::kSpanStorageRead;
    case Step::kStorageWrite:
      return sc::kSpanStorageWrite;
    case Step::kEpochAdvance:
      return sc::kSpanEpochAdvance;
    case Step::kAofAppend:
      return sc::kSpanAofAppend;
    case Step::kResponseSerialize:
      return sc::kSpanRespSerialize;
    case Step::kTcpWrite:
      return sc::kSpanNetWrite;
    case Step::kCount:
      break;
  }
  return "ferrite.unknown";
}

std::string_view SpanViewBuilder::Escaped(std::string_view bytes) {
  if (PlainAscii(bytes)) return bytes;
  char* out = text_ + text_used_;
  size_t n = EscapeToUtf8(bytes, out, sizeof text_ - text_used_, nullptr);
  text_used_ += n;
  return {out, n};
}

std::string_view SpanViewBuilder::Copy(std::string_view text) {
  size_t n = std::min(text.size(), sizeof text_ - text_used_);
  char* out = text_ + text_used_;
  std::memcpy(out, text.data(), n);
  text_used_ += n;
  return {out, n};
}

AttrView* SpanViewBuilder::NewAttr(SpanView& span, std::string_view key, AttrType type) {
  // A span's attributes are contiguous: each span is filled completely before the next starts.
  if (attrs_used_ == kMaxAttrs) {
    ++span.dropped_attributes;
    return nullptr;
  }
  AttrView* a = &attrs_[attrs_used_++];
  if (span.attribute_count == 0) span.attributes = a;
  ++span.attribute_count;
  a->key = key;
  a->type = type;
  return a;
}

void SpanViewBuilder::Str(SpanView& span, std::string_view key, std::string_view v) {
  if (AttrView* a = NewAttr(span, key, AttrType::kString)) a->s = v;
}
void SpanViewBuilder::Int(SpanView& span, std::string_view key, int64_t v) {
  if (AttrView* a = NewAttr(span, key, AttrType::kInt)) a->i = v;
}
void SpanViewBuilder::Bool(SpanView& span, std::string_view key, bool v) {
  if (AttrView* a = NewAttr(span, key, AttrType::kBool)) a->b = v;
}

void SpanViewBuilder::Storage(SpanView& span, Step op, Tier tier, int cache_hit, uint64_t bytes) {
  if (op == Step::kStorageRead || op == Step::kStorageWrite)
    Str(span, sc::kStorageOperation, op == Step::kStorageRead ? "read" : "write");
  if (tier != Tier::kNone) Str(span, sc::kStorageTier, TierName(tier));
  if (cache_hit >= 0) Bool(span, sc::kStorageCacheHit, cache_hit == 1);
  if (bytes) Int(span, sc::kStorageBytes, static_cast<int64_t>(bytes));
}

std::span<const SpanView> SpanViewBuilder::Command(const CommandRecord& r,
                                                   semconv::NameScheme scheme, int64_t offset) {
  attrs_used_ = 0;
  text_used_ = 0;
  const uint32_t w3c = r.trace_flags;
  SpanView& cmd = spans_[0];
  cmd = SpanView{};
  cmd.trace_id = r.trace_id;
  cmd.span_id = r.span_id;
  cmd.name = sc::kSpanCommand;
  cmd.kind = SpanKind::kServer;
  cmd.start_unix_ns = ToUnix(r.start_ns, offset);
  cmd.end_unix_ns = ToUnix(r.end_ns, offset);
  cmd.flags = w3c | kFlagHasIsRemote;
  if (r.has_parent) {
    cmd.parent_span_id = r.parent.span_id;
    cmd.trace_state = r.parent.trace_state.view();
    if (r.parent.remote) cmd.flags |= kFlagIsRemote;
  }

  const std::string_view command = Escaped(r.command.view());
  const std::string_view statement = r.statement.view();  // already UTF-8 (BuildStatement)
  const std::string_view peer_ip = Escaped(r.peer_ip.view());
  const std::string_view result = Escaped(r.result.view());
  if (sc::EmitOld(scheme)) {
    Str(cmd, sc::kDbSystemOld, sc::kDbSystemValue);
    if (!command.empty()) Str(cmd, sc::kDbOperationOld, command);
    if (!statement.empty()) Str(cmd, sc::kDbStatementOld, statement);
    if (!peer_ip.empty()) Str(cmd, sc::kNetPeerIpOld, peer_ip);
    if (r.peer_port) Int(cmd, sc::kNetPeerPortOld, r.peer_port);
    if (r.db_index >= 0) Int(cmd, sc::kDbRedisDatabaseIndexOld, r.db_index);
  }
  if (sc::EmitNew(scheme)) {
    Str(cmd, sc::kDbSystemName, sc::kDbSystemValue);
    if (!command.empty()) Str(cmd, sc::kDbOperationName, command);
    if (!statement.empty()) Str(cmd, sc::kDbQueryText, statement);
    if (!peer_ip.empty()) Str(cmd, sc::kNetworkPeerAddress, peer_ip);
    if (r.peer_port) Int(cmd, sc::kNetworkPeerPort, r.peer_port);
    if (r.db_index >= 0) {
      char digits[16];
      auto [end, ec] = std::to_chars(digits, digits + sizeof digits, r.db_index);
      Str(cmd, sc::kDbNamespace, Copy({digits, static_cast<size_t>(end - digits)}));
    }
    if (r.is_error && !result.empty()) {
      Str(cmd, sc::kDbResponseStatusCode, result);
      Str(cmd, sc::kErrorType, result);
    }
  }
  if (!command.empty()) Str(cmd, sc::kCommandName, command);
  if (!r.key.empty() || r.key.truncated) Str(cmd, sc::kCommandKey, Escaped(r.key.view()));
  if (!result.empty()) Str(cmd, sc::kCommandResult, result);
  if (r.args_count) Int(cmd, sc::kCommandArgsCount, r.args_count);
  if (r.connection_id) Int(cmd, sc::kConnectionId, static_cast<int64_t>(r.connection_id));
  Storage(cmd, r.storage_op, r.tier, r.cache_hit, r.storage_bytes);
  if (r.has_epoch) Int(cmd, sc::kStorageEpoch, static_cast<int64_t>(r.epoch));
  if (r.replication_role != ReplicationRole::kNone) {
    Str(cmd, sc::kReplicationRole, ReplicationRoleName(r.replication_role));
    Int(cmd, sc::kReplicationOffset, static_cast<int64_t>(r.replication_offset));
  }
  if (r.is_error) {
    cmd.status = StatusCode::kError;
    cmd.status_message = Escaped(r.error.view());
  }

  // Children. The execute step is stamped after its nested steps, so find it first.
  SpanId execute_id;
  const uint8_t steps = std::min<uint8_t>(r.step_count, CommandRecord::kMaxSteps);
  for (uint8_t i = 0; i < steps; ++i) {
    spans_[1 + i].span_id = NewSpanId();
    if (r.steps[i].step == Step::kExecute) execute_id = spans_[1 + i].span_id;
  }
  for (uint8_t i = 0; i < steps; ++i) {
    const StepRecord& s = r.steps[i];
    SpanView& c = spans_[1 + i];
    const SpanId id = c.span_id;
    c = SpanView{};
    c.trace_id = r.trace_id;
    c.span_id = id;
    c.parent_span_id = Nested(s.step) && execute_id.IsValid() ? execute_id : r.span_id;
    c.name = StepSpanName(s.step);
    c.kind = SpanKind::kInternal;
    c.start_unix_ns = ToUnix(s.begin_ns, offset);
    c.end_unix_ns = ToUnix(s.end_ns, offset);
    c.flags = w3c | kFlagHasIsRemote;
    if (s.step == Step::kStorageRead || s.step == Step::kStorageWrite)
      Storage(c, s.step, s.tier, s.cache_hit, s.bytes);
    if (s.step == Step::kEpochAdvance && r.has_epoch)
      Int(c, sc::kStorageEpoch, static_cast<int64_t>(r.epoch));
  }
  return {spans_, size_t{1} + steps};
}

const SpanView& SpanViewBuilder::Background(const SpanRecord& r, int64_t offset) {
  attrs_used_ = 0;
  text_used_ = 0;
  SpanView& s = spans_[0];
  s = SpanView{};
  s.trace_id = r.trace_id;
  s.span_id = r.span_id;
  s.parent_span_id = r.parent_span_id;
  s.name = std::string_view(r.name, r.name_len);
  s.kind = static_cast<SpanKind>(r.kind);
  s.start_unix_ns = ToUnix(r.start_ns, offset);
  s.end_unix_ns = ToUnix(r.end_ns, offset);
  s.flags = r.trace_flags | kFlagHasIsRemote | (r.parent_remote ? kFlagIsRemote : 0);
  const uint8_t count = std::min<uint8_t>(r.attr_count, SpanRecord::kMaxAttrs);
  for (uint8_t i = 0; i < count; ++i) {
    const AttrSlot& at = r.attrs[i];
    std::string_view key(at.key, at.key_len);
    switch (at.type) {
      case AttrType::kString:
        Str(s, key, Escaped({at.str, at.str_len}));
        break;
      case AttrType::kInt:
        Int(s, key, at.i);
        break;
      case AttrType::kDouble:
        if (AttrView* a = NewAttr(s, key, AttrType::kDouble)) a->d = at.d;
        break;
      case AttrType::kBool:
        Bool(s, key, at.b);
        break;
      case AttrType::kNone:
        break;
    }
  }
  s.dropped_attributes += r.attrs_dropped;
  if (r.is_error) {
    s.status = StatusCode::kError;
    s.status_message = Escaped(r.error.view());
  }
  return s;
}

SpanData ToSpanData(const SpanView& v) {
  SpanData s;
  s.trace_id = v.trace_id;
  s.span_id = v.span_id;
  s.parent_span_id = v.parent_span_id;
  s.trace_state.assign(v.trace_state);
  s.name.assign(v.name);
  s.kind = v.kind;
  s.start_unix_ns = v.start_unix_ns;
  s.end_unix_ns = v.end_unix_ns;
  s.attributes.reserve(v.attribute_count);
  for (size_t i = 0; i < v.attribute_count; ++i) {
    const AttrView& a = v.attributes[i];
    KeyValue kv{std::string(a.key), {}};
    kv.value.type = a.type;
    kv.value.s.assign(a.s);
    kv.value.i = a.i;
    kv.value.d = a.d;
    kv.value.b = a.b;
    s.attributes.push_back(std::move(kv));
  }
  s.dropped_attributes = v.dropped_attributes;
  s.status = v.status;
  s.status_message.assign(v.status_message);
  s.flags = v.flags;
  return s;
}

void BuildCommandSpans(const CommandRecord& r, semconv::NameScheme scheme, int64_t offset,
                       std::vector<SpanData>* out) {
  auto builder = std::make_unique<SpanViewBuilder>();
  for (const SpanView& v : builder->Command(r, scheme, offset)) out->push_back(ToSpanData(v));
}

SpanData BuildBackgroundSpan(const SpanRecord& r, int64_t offset) {
  auto builder = std::make_unique<SpanViewBuilder>();
  return ToSpanData(builder->Background(r, offset));
}

}  // namespace ferrite::telemetry
