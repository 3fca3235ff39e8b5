#pragma once
// Semantic-convention names Ferrite emits: span names, attribute keys in both naming schemes,
// and the OTEL_SEMCONV_STABILITY_OPT_IN switch between them.
//
// Span names follow `ferrite.<area>.<step>`; the per-command span is `ferrite.command` (kind
// SERVER). Attribute keys default to the seed's (pre-1.26) names: db.system, db.operation,
// db.statement, net.peer.ip, net.peer.port. OTEL_SEMCONV_STABILITY_OPT_IN=database switches to
// the current names (db.system.name, db.operation.name, db.query.text, network.peer.address,
// network.peer.port); `database/dup` emits both. docs/telemetry.md lists every name below.
//
// Thread safety: constants and pure functions only. Header-only, dependency-free.

#include <string_view>

namespace ferrite::telemetry::semconv {

// --- Span names --------------------------------------------------------------------------
inline constexpr std::string_view kSpanCommand = "ferrite.command";
inline constexpr std::string_view kSpanRespParse = "ferrite.resp.parse";
inline constexpr std::string_view kSpanDispatch = "ferrite.command.dispatch";
inline constexpr std::string_view kSpanExecute = "ferrite.command.execute";
inline constexpr std::string_view kSpanIndexLookup = "ferrite.index.lookup";
inline constexpr std::string_view kSpanStorageRead = "ferrite.storage.read";
inline constexpr std::string_view kSpanStorageWrite = "ferrite.storage.write";
inline constexpr std::string_view kSpanEpochAdvance = "ferrite.epoch.advance";
inline constexpr std::string_view kSpanAofAppend = "ferrite.aof.append";
inline constexpr std::string_view kSpanRespSerialize = "ferrite.resp.serialize";
inline constexpr std::string_view kSpanNetWrite = "ferrite.net.write";
// Background work (ScopedSpan).
inline constexpr std::string_view kSpanPageFlush = "ferrite.storage.flush";
inline constexpr std::string_view kSpanCompaction = "ferrite.storage.compaction";
inline constexpr std::string_view kSpanCheckpoint = "ferrite.storage.checkpoint";
inline constexpr std::string_view kSpanAofRewrite = "ferrite.aof.rewrite";
inline constexpr std::string_view kSpanAofFsync = "ferrite.aof.fsync";
inline constexpr std::string_view kSpanReplicationSync = "ferrite.replication.sync";

// --- Attribute keys: seed (old) names ----------------------------------------------------
inline constexpr std::string_view kDbSystemOld = "db.system";
inline constexpr std::string_view kDbOperationOld = "db.operation";
inline constexpr std::string_view kDbStatementOld = "db.statement";
inline constexpr std::string_view kNetPeerIpOld = "net.peer.ip";
inline constexpr std::string_view kNetPeerPortOld = "net.peer.port";
inline constexpr std::string_view kDbRedisDatabaseIndexOld = "db.redis.database_index";
// --- Attribute keys: current names (semantic-conventions >= 1.26 / 1.30) ------------------
inline constexpr std::string_view kDbSystemName = "db.system.name";
inline constexpr std::string_view kDbOperationName = "db.operation.name";
inline constexpr std::string_view kDbQueryText = "db.query.text";
inline constexpr std::string_view kNetworkPeerAddress = "network.peer.address";
inline constexpr std::string_view kNetworkPeerPort = "network.peer.port";
inline constexpr std::string_view kDbNamespace = "db.namespace";
inline constexpr std::string_view kDbResponseStatusCode = "db.response.status_code";
inline constexpr std::string_view kErrorType = "error.type";
// --- Ferrite's own attributes (same in both schemes) -------------------------------------
inline constexpr std::string_view kCommandName = "ferrite.command.name";
inline constexpr std::string_view kCommandKey = "ferrite.command.key";
inline constexpr std::string_view kCommandResult = "ferrite.command.result";
inline constexpr std::string_view kCommandArgsCount = "ferrite.command.args_count";
inline constexpr std::string_view kStorageOperation = "ferrite.storage.operation";
inline constexpr std::string_view kStorageTier = "ferrite.storage.tier";
inline constexpr std::string_view kStorageCacheHit = "ferrite.storage.cache_hit";
inline constexpr std::string_view kStorageBytes = "ferrite.storage.bytes";
inline constexpr std::string_view kStorageEpoch = "ferrite.storage.epoch";
inline constexpr std::string_view kConnectionId = "ferrite.connection.id";
inline constexpr std::string_view kReplicationRole = "ferrite.replication.role";
inline constexpr std::string_view kReplicationOffset = "ferrite.replication.offset";
inline constexpr std::string_view kDbIndex = "ferrite.db.index";
inline constexpr std::string_view kSpanDropped = "ferrite.telemetry.truncated";

inline constexpr std::string_view kDbSystemValue = "ferrite";
inline constexpr std::string_view kScopeName = "ferrite";
inline constexpr std::string_view kSdkName = "ferrite";
inline constexpr std::string_view kSchemaUrlOld = "https://opentelemetry.io/schemas/1.24.0";
inline constexpr std::string_view kSchemaUrlNew = "https://opentelemetry.io/schemas/1.30.0";

// Which attribute names to emit.
enum class NameScheme : unsigned char { kOld, kNew, kBoth };

// Parses OTEL_SEMCONV_STABILITY_OPT_IN: a comma list; `database/dup` wins over `database`.
// Unset, empty or without a database entry: the seed's (old) names.
inline NameScheme ParseStabilityOptIn(std::string_view v) noexcept {
  NameScheme scheme = NameScheme::kOld;
  while (!v.empty()) {
    size_t comma = v.find(',');
    std::string_view item = v.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == "database/dup") return NameScheme::kBoth;
    if (item == "database") scheme = NameScheme::kNew;
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return scheme;
}

inline constexpr bool EmitOld(NameScheme s) noexcept { return s != NameScheme::kNew; }
inline constexpr bool EmitNew(NameScheme s) noexcept { return s != NameScheme::kOld; }

}  // namespace ferrite::telemetry::semconv
