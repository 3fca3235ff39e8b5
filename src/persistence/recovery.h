#pragma once
// Recovery at startup: the newest valid checkpoint, then the AOF written since.
//
// Order:
//   1. Every checkpoint-<seq>.fcp in the data directory, newest first, is verified whole
//      (checkpoint_format.h); a damaged one is skipped with a warning and the next older one is
//      tried. Leftover temp-checkpoint-*.fcp files (a crash during a checkpoint) are removed.
//   2. With the AOF enabled and present, the checkpoint is used only if it names this AOF (same id
//      annotation) at an offset the file reaches; then it is loaded and the AOF is replayed from
//      that offset. Otherwise (the AOF was rewritten or replaced since, or the checkpoint was taken
//      while the AOF was off) the checkpoint is ignored and the whole AOF is replayed: the AOF is
//      always a complete history, so nothing acknowledged is lost either way.
//   3. With the AOF disabled (or enabled but absent), the checkpoint alone is loaded. If the AOF
//      is enabled but absent, report->aof_needs_rebuild says the AOF must be created from the
//      loaded data (a rewrite) before it can stand alone.
//
// Keys whose expiry has passed are not loaded. Thread safety: runs on the startup thread.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "persistence/aof_format.h"
#include "persistence/aof_io.h"
#include "persistence/checkpoint_format.h"
#include "storage/store.h"

namespace ferrite::persistence {

struct RecoveryOptions {
  std::string dir = ".";
  bool aof_enabled = false;
  std::string aof_path;
  AofIo* io = nullptr;  // default PosixIo()
  storage::ClockFn clock = storage::SystemClockMs;
  // Startup removes the temp files of checkpoints that did not finish; DEBUG LOADAOF, which
  // recovers while serving, must leave a running checkpoint's file alone.
  bool remove_temp_checkpoints = true;
};

struct RecoveryHooks {
  // Writes one record (upsert). The builder may hold a collection object.
  std::function<Status(storage::DbIndex db, std::string_view key, storage::RecordBuilder& rec)> put;
  // Runs one command (a checkpoint's captured commands, then the AOF).
  ApplyFn apply;
};

struct RecoveryReport {
  bool checkpoint_loaded = false;
  std::string checkpoint_path;
  CheckpointInfo checkpoint;
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;  // in the checkpoint but expired by now
  uint64_t checkpoint_commands = 0;
  double checkpoint_seconds = 0;
  bool aof_replayed = false;
  uint64_t aof_start_offset = 0;
  ReplayStats aof;
  bool aof_needs_rebuild = false;
};

Status Recover(const RecoveryOptions& options, const RecoveryHooks& hooks, RecoveryReport* report);

// Loads one checkpoint file (verified whole first) through `hooks`: KEY records already expired
// at `now_ms` are skipped, COMMANDS records replayed. Counts go into *report (DEBUG RELOAD).
Status LoadCheckpoint(AofIo& io, const std::string& path, const RecoveryHooks& hooks,
                      int64_t now_ms, RecoveryReport* report);

}  // namespace ferrite::persistence
