#pragma once
// The commands a rewrite writes for one record (AofWriter's built-in RecordEmitters).
//
// - string: SET key value [PXAT ms]
// - list:   DEL key, RPUSH key e1..e64 (repeated), [PEXPIREAT key ms]
// - set:    DEL key, SADD key m1..m64, ...
// - hash:   DEL key, HSET key f1 v1..f64 v64, ...
// - zset:   DEL key, ZADD key s1 m1..s64 m64, ... (scores as Redis's d2string, which
//           round-trips: %.17g, "inf", "-inf")
//
// At most 64 elements per command, as Redis's AOF_REWRITE_ITEMS_PER_CMD, so no single command is
// huge. The DEL is needed because Ferrite's rewrite interleaves snapshots with the commands
// captured while it runs: a command captured before the key's snapshot may already have created a
// partial version of the key in the rewritten stream, and RPUSH/SADD/HSET/ZADD would add to it
// instead of replacing it (SET replaces, so strings need no DEL).
//
// Thread safety: pure functions of the record; they run on the rewrite thread with the key's
// stripe held.

#include "persistence/aof_writer.h"

namespace ferrite::persistence {

inline constexpr size_t kRewriteItemsPerCommand = 64;

Status EmitStringRecord(std::string_view key, const storage::RecordView& rec, CommandEmit emit);
// Lists, sets, hashes and sorted sets (rec.object must be the matching StoredObject).
Status EmitCollectionRecord(std::string_view key, const storage::RecordView& rec, CommandEmit emit);

}  // namespace ferrite::persistence
