#include "persistence/recovery.h"

#include <chrono>
#include <filesystem>
#include <memory>

#include "base/log.h"
#include "persistence/checkpointer.h"
#include "storage/object.h"

namespace ferrite::persistence {

namespace {

constexpr const char* kTarget = "ferrite::persistence";

void RemoveTempCheckpoints(AofIo& io, const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with("temp-checkpoint-") && name.ends_with(".fcp")) {
      FERRITE_INFO(kTarget, "removing {}, left by a checkpoint that did not finish",
                   entry.path().string());
      (void)io.Remove(entry.path().string());
    }
  }
}

}  // namespace

Status LoadCheckpoint(AofIo& io, const std::string& path, const RecoveryHooks& hooks,
                      int64_t now_ms, RecoveryReport* report) {
  auto t0 = std::chrono::steady_clock::now();
  CheckpointVisitor visitor;
  visitor.key = [&](storage::DbIndex db, std::string_view key, storage::ValueType type,
                    int64_t expire_at_ms, std::string_view value) -> Status {
    if (expire_at_ms != storage::kNoExpiry && expire_at_ms <= now_ms) {
      ++report->keys_expired;
      return Status::Ok();
    }
    storage::RecordBuilder rec;
    rec.type = type;
    rec.expire_at_ms = expire_at_ms;
    if (storage::IsObjectType(type)) {
      auto obj = storage::DeserializeObject(type, value);
      if (!obj) {
        return Status::Corruption("checkpoint " + path + ": key '" + std::string(key) +
                                  "': " + std::string(obj.error().message()));
      }
      rec.object = std::move(*obj);
    } else {
      rec.value.assign(value);
    }
    ++report->keys_loaded;
    return hooks.put(db, key, rec);
  };
  visitor.commands = [&](storage::DbIndex db, std::string_view resp) -> Status {
    AofScanResult r;
    Status st = ScanAofBytes(
        resp, db,
        [&](storage::DbIndex d, std::span<const std::string_view> argv, uint64_t) {
          ++report->checkpoint_commands;
          return hooks.apply(d, argv);
        },
        &r);
    if (st.ok() && r.end != AofEnd::kClean) {
      st = Status::Corruption("checkpoint " + path + ": malformed captured commands: " + r.reason);
    }
    return st;
  };
  Status st = ReadCheckpoint(io, path, &visitor, &report->checkpoint);
  report->checkpoint_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

Status Recover(const RecoveryOptions& options, const RecoveryHooks& hooks, RecoveryReport* report) {
  *report = RecoveryReport{};
  AofIo& io = options.io ? *options.io : PosixIo();
  if (options.remove_temp_checkpoints) RemoveTempCheckpoints(io, options.dir);

  const bool aof_exists = options.aof_enabled && io.Exists(options.aof_path);
  std::string aof_id;
  uint64_t aof_size = 0;
  if (aof_exists) {
    auto id = ReadAofId(io, options.aof_path);
    if (!id) return std::move(id).error();
    aof_id = *id;
    auto f = io.Open(options.aof_path, false);
    if (!f) return std::move(f).error();
    auto size = (*f)->Size();
    if (!size) return std::move(size).error();
    aof_size = *size;
  }

  // The newest intact checkpoint that the AOF continues (any intact one without an AOF).
  std::string chosen;
  CheckpointInfo info;
  for (const auto& [seq, path] : ListCheckpoints(options.dir)) {
    Status st = ReadCheckpoint(io, path, nullptr, &info);
    if (!st.ok()) {
      FERRITE_WARN(kTarget, "skipping checkpoint {}: {}", path, st.ToString());
      continue;
    }
    if (aof_exists && !(info.aof_valid && !aof_id.empty() && info.aof_id == aof_id &&
                        info.aof_offset <= aof_size)) {
      FERRITE_INFO(kTarget,
                   "checkpoint {} does not continue into the append only file {} (the AOF was "
                   "rewritten or replaced after it, or was off when it was taken)",
                   path, options.aof_path);
      continue;
    }
    chosen = path;
    break;
  }

  if (!chosen.empty()) {
    FERRITE_INFO(kTarget, "loading checkpoint {} ({} keys, {} bytes)", chosen, info.keys,
                 info.bytes);
    Status st = LoadCheckpoint(io, chosen, hooks, options.clock(), report);
    if (!st.ok()) return st;
    report->checkpoint_loaded = true;
    report->checkpoint_path = chosen;
    FERRITE_INFO(kTarget,
                 "DB loaded from checkpoint {}: {} keys ({} already expired), {} captured "
                 "commands in {} seconds",
                 chosen, report->keys_loaded, report->keys_expired, report->checkpoint_commands,
                 report->checkpoint_seconds);
  }
  if (aof_exists) {
    ReplayOptions ro;
    ro.io = &io;
    if (report->checkpoint_loaded) {
      ro.start_offset = report->checkpoint.aof_offset;
      ro.start_db = report->checkpoint.aof_db;
    }
    report->aof_start_offset = ro.start_offset;
    Status st = ReplayAof(options.aof_path, hooks.apply, ro, &report->aof);
    if (!st.ok()) return st;
    report->aof_replayed = true;
  } else if (options.aof_enabled && report->checkpoint_loaded) {
    report->aof_needs_rebuild = true;
  }
  return Status::Ok();
}

}  // namespace ferrite::persistence
