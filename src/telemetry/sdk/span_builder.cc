#include "telemetry/sdk/span_builder.h"

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

void AddStorageAttributes(std::vector<KeyValue>* a, Step op, Tier tier, int cache_hit,
                          uint64_t bytes) {
  if (op == Step::kStorageRead || op == Step::kStorageWrite)
    a->push_back(KeyValue::Str(sc::kStorageOperation, op == Step::kStorageRead ? "read" : "write"));
  if (tier != Tier::kNone) a->push_back(KeyValue::Str(sc::kStorageTier, TierName(tier)));
  if (cache_hit >= 0) a->push_back(KeyValue::Bool(sc::kStorageCacheHit, cache_hit == 1));
  if (bytes) a->push_back(KeyValue::Int(sc::kStorageBytes, static_cast<int64_t>(bytes)));
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

void BuildCommandSpans(const CommandRecord& r, semconv::NameScheme scheme, int64_t offset,
                       std::vector<SpanData>* out) {
  const uint32_t w3c = r.trace_flags;
  SpanData cmd;
  cmd.trace_id = r.trace_id;
  cmd.span_id = r.span_id;
  cmd.name = std::string(sc::kSpanCommand);
  cmd.kind = SpanKind::kServer;
  cmd.start_unix_ns = ToUnix(r.start_ns, offset);
  cmd.end_unix_ns = ToUnix(r.end_ns, offset);
  cmd.flags = w3c | kFlagHasIsRemote;
  if (r.has_parent) {
    cmd.parent_span_id = r.parent.span_id;
    cmd.trace_state.assign(r.parent.trace_state.view());
    if (r.parent.remote) cmd.flags |= kFlagIsRemote;
  }

  std::vector<KeyValue>& a = cmd.attributes;
  a.reserve(24);
  const std::string command = EscapedUtf8(r.command.view());
  const std::string statement(r.statement.view());  // already UTF-8 (BuildStatement)
  const std::string peer_ip = EscapedUtf8(r.peer_ip.view());
  if (sc::EmitOld(scheme)) {
    a.push_back(KeyValue::Str(sc::kDbSystemOld, sc::kDbSystemValue));
    if (!command.empty()) a.push_back(KeyValue::Str(sc::kDbOperationOld, command));
    if (!statement.empty()) a.push_back(KeyValue::Str(sc::kDbStatementOld, statement));
    if (!peer_ip.empty()) a.push_back(KeyValue::Str(sc::kNetPeerIpOld, peer_ip));
    if (r.peer_port) a.push_back(KeyValue::Int(sc::kNetPeerPortOld, r.peer_port));
    if (r.db_index >= 0) a.push_back(KeyValue::Int(sc::kDbRedisDatabaseIndexOld, r.db_index));
  }
  if (sc::EmitNew(scheme)) {
    a.push_back(KeyValue::Str(sc::kDbSystemName, sc::kDbSystemValue));
    if (!command.empty()) a.push_back(KeyValue::Str(sc::kDbOperationName, command));
    if (!statement.empty()) a.push_back(KeyValue::Str(sc::kDbQueryText, statement));
    if (!peer_ip.empty()) a.push_back(KeyValue::Str(sc::kNetworkPeerAddress, peer_ip));
    if (r.peer_port) a.push_back(KeyValue::Int(sc::kNetworkPeerPort, r.peer_port));
    if (r.db_index >= 0) a.push_back(KeyValue::Str(sc::kDbNamespace, std::to_string(r.db_index)));
    if (r.is_error && !r.result.empty()) {
      std::string prefix = EscapedUtf8(r.result.view());
      a.push_back(KeyValue::Str(sc::kDbResponseStatusCode, prefix));
      a.push_back(KeyValue::Str(sc::kErrorType, prefix));
    }
  }
  if (!command.empty()) a.push_back(KeyValue::Str(sc::kCommandName, command));
  if (!r.key.empty() || r.key.truncated)
    a.push_back(KeyValue::Str(sc::kCommandKey, EscapedUtf8(r.key.view())));
  if (!r.result.empty())
    a.push_back(KeyValue::Str(sc::kCommandResult, EscapedUtf8(r.result.view())));
  if (r.args_count) a.push_back(KeyValue::Int(sc::kCommandArgsCount, r.args_count));
  if (r.connection_id)
    a.push_back(KeyValue::Int(sc::kConnectionId, static_cast<int64_t>(r.connection_id)));
  AddStorageAttributes(&a, r.storage_op, r.tier, r.cache_hit, r.storage_bytes);
  if (r.has_epoch) a.push_back(KeyValue::Int(sc::kStorageEpoch, static_cast<int64_t>(r.epoch)));
  if (r.replication_role != ReplicationRole::kNone) {
    a.push_back(KeyValue::Str(sc::kReplicationRole, ReplicationRoleName(r.replication_role)));
    a.push_back(KeyValue::Int(sc::kReplicationOffset, static_cast<int64_t>(r.replication_offset)));
  }
  if (r.is_error) {
    cmd.status = StatusCode::kError;
    cmd.status_message = EscapedUtf8(r.error.view());
  }
  out->push_back(std::move(cmd));

  // Children. The execute step is stamped after its nested steps, so find it first.
  SpanId execute_id;
  SpanId ids[CommandRecord::kMaxSteps];
  for (uint8_t i = 0; i < r.step_count; ++i) {
    ids[i] = NewSpanId();
    if (r.steps[i].step == Step::kExecute) execute_id = ids[i];
  }
  for (uint8_t i = 0; i < r.step_count; ++i) {
    const StepRecord& s = r.steps[i];
    SpanData c;
    c.trace_id = r.trace_id;
    c.span_id = ids[i];
    c.parent_span_id = Nested(s.step) && execute_id.IsValid() ? execute_id : r.span_id;
    c.name = std::string(StepSpanName(s.step));
    c.kind = SpanKind::kInternal;
    c.start_unix_ns = ToUnix(s.begin_ns, offset);
    c.end_unix_ns = ToUnix(s.end_ns, offset);
    c.flags = w3c | kFlagHasIsRemote;
    if (s.step == Step::kStorageRead || s.step == Step::kStorageWrite)
      AddStorageAttributes(&c.attributes, s.step, s.tier, s.cache_hit, s.bytes);
    if (s.step == Step::kEpochAdvance && r.has_epoch)
      c.attributes.push_back(KeyValue::Int(sc::kStorageEpoch, static_cast<int64_t>(r.epoch)));
    out->push_back(std::move(c));
  }
}

SpanData BuildBackgroundSpan(const SpanRecord& r, int64_t offset) {
  SpanData s;
  s.trace_id = r.trace_id;
  s.span_id = r.span_id;
  s.parent_span_id = r.parent_span_id;
  s.name.assign(r.name, r.name_len);
  s.kind = static_cast<SpanKind>(r.kind);
  s.start_unix_ns = ToUnix(r.start_ns, offset);
  s.end_unix_ns = ToUnix(r.end_ns, offset);
  s.flags = r.trace_flags | kFlagHasIsRemote | (r.parent_remote ? kFlagIsRemote : 0);
  for (uint8_t i = 0; i < r.attr_count; ++i) {
    const AttrSlot& at = r.attrs[i];
    std::string_view key(at.key, at.key_len);
    switch (at.type) {
      case AttrType::kString:
        s.attributes.push_back(KeyValue::Str(key, EscapedUtf8({at.str, at.str_len})));
        break;
      case AttrType::kInt:
        s.attributes.push_back(KeyValue::Int(key, at.i));
        break;
      case AttrType::kDouble:
        s.attributes.push_back(KeyValue::Double(key, at.d));
        break;
      case AttrType::kBool:
        s.attributes.push_back(KeyValue::Bool(key, at.b));
        break;
      case AttrType::kNone:
        break;
    }
  }
  s.dropped_attributes = r.attrs_dropped;
  if (r.is_error) {
    s.status = StatusCode::kError;
    s.status_message = EscapedUtf8(r.error.view());
  }
  return s;
}

}  // namespace ferrite::telemetry
