// AofWriter's rewrite (BGREWRITEAOF) and INFO persistence. See aof_writer.h for the design.

#include <chrono>

#include "base/log.h"
#include "persistence/aof_format.h"
#include "persistence/aof_writer.h"
#include "persistence/snapshot_scan.h"
#include "server/info.h"
#include "server/server_context.h"
#include "telemetry/api/scoped_span.h"
#include "telemetry/api/semconv.h"

namespace ferrite::persistence {

namespace {

constexpr const char* kTarget = "ferrite::persistence::aof";
constexpr storage::DbIndex kNoDb = UINT32_MAX;
constexpr size_t kRewriteDrainBytes = 4 << 20;
constexpr size_t kSwitchBytes = 64 << 10;  // left for the writer thread to append at the switch

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string_view TypeName(storage::ValueType t) {
  switch (t) {
    case storage::ValueType::kString:
      return "string";
    case storage::ValueType::kList:
      return "list";
    case storage::ValueType::kSet:
      return "set";
    case storage::ValueType::kZSet:
      return "zset";
    case storage::ValueType::kHash:
      return "hash";
    case storage::ValueType::kStream:
      return "stream";
  }
  return "unknown";
}

template <typename V>
void Line(std::string* out, std::string_view key, V value) {
  server::AppendInfoLine(out, key, value);
}

}  // namespace

Status AofWriter::DrainRewriteBuffer(AofFile& tmp, uint64_t* tmp_size) {
  std::string chunk;
  {
    std::lock_guard<std::mutex> g(mu_);
    chunk.swap(rewrite_buf_);
  }
  if (chunk.empty()) return Status::Ok();
  Status st = tmp.WriteAt(*tmp_size, chunk.data(), chunk.size());
  if (st.ok()) *tmp_size += chunk.size();
  return st;
}

Status AofWriter::RewriteScan(AofFile& tmp, uint64_t* tmp_size) {
  std::vector<std::pair<storage::ValueType, RecordEmitter>> emitters;
  {
    std::lock_guard<std::mutex> g(mu_);
    emitters = emitters_;
  }
  auto emitter_for = [&](storage::ValueType t) -> const RecordEmitter* {
    for (const auto& [type, e] : emitters) {
      if (type == t) return &e;
    }
    return nullptr;
  };
  SnapshotCallbacks cb{
      .cancelled =
          [&] {
            std::lock_guard<std::mutex> g(mu_);
            return rewrite_cancel_;
          },
      .encode = [&](storage::DbIndex, std::string_view key, const storage::RecordView& rec,
                    std::string* out) -> Status {
        const RecordEmitter* e = emitter_for(rec.type);
        if (e == nullptr) {
          return Status::InvalidArgument("no AOF rewrite emitter for values of type " +
                                         std::string(TypeName(rec.type)));
        }
        return (*e)(key, rec,
                    [&](std::span<const std::string_view> argv) { AppendCommand(out, argv); });
      },
      .deliver =
          [&](storage::DbIndex db, std::string_view encoded) {
            if (encoded.empty()) return;
            std::lock_guard<std::mutex> g(mu_);
            if (db != rewrite_last_db_) AppendSelect(&rewrite_buf_, db);
            rewrite_buf_.append(encoded);
            rewrite_last_db_ = db;
          },
      .after_batch = [&]() -> Status {
        bool drain;
        {
          std::lock_guard<std::mutex> g(mu_);
          drain = rewrite_buf_.size() >= kRewriteDrainBytes;
        }
        return drain ? DrainRewriteBuffer(tmp, tmp_size) : Status::Ok();
      },
  };
  Status st = SnapshotScan(*store_, *locks_, cb);
  if (st.code() == StatusCode::kAborted) return Status::Aborted("rewrite cancelled");
  return st;
}

void AofWriter::RewriteMain() {
  telemetry::ScopedSpan span(telemetry::semconv::kSpanAofRewrite);
  auto t0 = std::chrono::steady_clock::now();
  (void)io_.Remove(temp_path_);
  auto opened = io_.Open(temp_path_, true);
  if (!opened) {
    span.SetError(opened.error().message());
    return FinishRewrite(false, opened.error());
  }
  std::unique_ptr<AofFile> tmp = std::move(*opened);
  // The new file gets a new identity: checkpoints taken against the old one no longer apply.
  std::string new_id = NewAofId();
  std::string head;
  AppendIdAnnotation(&head, new_id);
  Status head_st = tmp->WriteAt(0, head.data(), head.size());
  if (!head_st.ok()) {
    tmp.reset();
    (void)io_.Remove(temp_path_);
    span.SetError(head_st.message());
    return FinishRewrite(false, head_st);
  }
  uint64_t tmp_size = head.size();
  {
    std::lock_guard<std::mutex> g(mu_);
    rewrite_buf_.clear();
    rewrite_last_db_ = kNoDb;
    rewrite_capture_ = true;
  }
  FERRITE_INFO(kTarget, "background append only file rewriting started into {}", temp_path_);
  Status st = RewriteScan(*tmp, &tmp_size);
  // Write what was captured meanwhile, until little is left for the writer thread's switch.
  for (int i = 0; st.ok() && i < 16; ++i) {
    st = DrainRewriteBuffer(*tmp, &tmp_size);
    std::lock_guard<std::mutex> g(mu_);
    if (rewrite_buf_.size() < kSwitchBytes) break;
  }
  if (st.ok()) {
    std::unique_lock<std::mutex> lock(mu_);
    if (rewrite_cancel_) {
      st = Status::Aborted("rewrite cancelled");
    } else {
      switch_file_ = std::move(tmp);
      switch_file_size_ = tmp_size;
      switch_file_id_ = new_id;
      switch_requested_ = true;
      switch_done_ = false;
      writer_idle_ = false;
      wake_.notify_one();
      progress_.wait(lock, [&] { return switch_done_; });
      if (!switch_ok_) st = Status::IoError("installing the rewritten file failed");
      tmp_size = switch_file_size_;
    }
  }
  if (!st.ok()) {
    std::lock_guard<std::mutex> g(mu_);
    rewrite_capture_ = false;
    rewrite_buf_.clear();
    rewrite_buf_.shrink_to_fit();
    tmp.reset();
    (void)io_.Remove(temp_path_);
    span.SetError(st.message());
  } else {
    span.SetInt("ferrite.aof.bytes", static_cast<int64_t>(tmp_size));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (st.ok()) {
    FERRITE_INFO(kTarget, "background AOF rewrite finished successfully: {} bytes in {} seconds",
                 tmp_size, seconds);
  }
  FinishRewrite(st.ok(), st);
}

void AofWriter::SwitchToRewritten(std::unique_lock<std::mutex>& lock) {
  // REQUIRES: lock held, on the writer thread. Everything appended up to now is in rewrite_buf_
  // or already in the temp file, so the new file replaces the old one at exactly this LSN.
  std::string remainder;
  remainder.swap(rewrite_buf_);
  rewrite_capture_ = false;
  uint64_t switch_lsn = appended_lsn_;
  std::string old_tail;
  old_tail.swap(buf_);
  // Either file may receive the next record: make it say which database it is for.
  last_db_ = kNoDb;
  std::unique_ptr<AofFile> tmp = std::move(switch_file_);
  uint64_t size = switch_file_size_;
  switch_requested_ = false;
  lock.unlock();

  Status st = tmp->WriteAt(size, remainder.data(), remainder.size());
  if (st.ok()) {
    size += remainder.size();
    st = tmp->Sync();
  }
  if (st.ok()) st = io_.Rename(temp_path_, path_);
  bool renamed = st.ok();
  if (renamed) {
    Status d = io_.SyncDir(options_.dir);
    if (!d.ok()) {
      fsync_errors_.fetch_add(1, std::memory_order_relaxed);
      FERRITE_ERROR(kTarget, "fsync of directory {} after the AOF rewrite failed: {}", options_.dir,
                    d.ToString());
    }
  }

  lock.lock();
  if (renamed) {
    if (enabled_.load()) {
      file_ = std::move(tmp);
      main_file_active_ = true;
    } else {
      file_.reset();
    }
    file_size_ = size;
    synced_size_ = size;
    base_size_ = size;
    aof_id_ = switch_file_id_;
    file_base_lsn_ = switch_lsn;
    file_base_offset_ = size;
    pending_.clear();
    pending_written_ = 0;
    dirty_since_sync_ = false;
    pending_end_lsn_ = switch_lsn;
    written_lsn_.store(switch_lsn);
    synced_lsn_.store(switch_lsn);
    if (degraded_) {
      degraded_ = false;
      accepting_writes_.store(true, std::memory_order_relaxed);
      FERRITE_WARN(kTarget, "the rewritten append only file is durable; accepting writes");
    }
    switch_file_size_ = size;
    ReleaseWaiters(switch_lsn, true);
  } else {
    FERRITE_ERROR(kTarget, "installing the rewritten append only file failed: {}", st.ToString());
    // The old file goes on: what was taken from the buffer goes back in front of newer appends.
    if (main_file_active_) buf_.insert(0, old_tail);
  }
  switch_ok_ = renamed;
  switch_done_ = true;
  progress_.notify_all();
}

void AofWriter::FinishRewrite(bool ok, const Status& st) {
  std::lock_guard<std::mutex> g(mu_);
  rewrite_running_ = false;
  rewrite_capture_ = false;
  last_rewrite_time_sec_ = (NowMs() - rewrite_start_ms_) / 1000;
  last_rewrite_ok_ = ok;
  if (ok) {
    rewrites_.fetch_add(1);
    rewrite_failures_in_a_row_ = 0;
  } else {
    rewrite_failures_in_a_row_.fetch_add(1);
    if (!shut_down_ && st.code() != StatusCode::kAborted) {
      FERRITE_ERROR(kTarget, "background AOF rewrite failed: {}", st.ToString());
    }
    // Enabling needs a successful rewrite; a SWAPDB restarts the rewrite it disturbed.
    if (!shut_down_ && enabled_.load() && (!main_file_active_ || rewrite_scheduled_)) {
      rewrite_scheduled_ = true;
    }
  }
  progress_.notify_all();
}

void AofWriter::FillInfo(server::ServerContext& server, std::string* out,
                         const RdbInfo* rdb) const {
  AofStats s = Stats();
  RdbInfo none;
  if (rdb == nullptr) {
    none.changes_since_last_save = server.dirty.load(std::memory_order_relaxed);
    none.last_save_time = server.start_time_ms() / 1000;
    rdb = &none;
  }
  Line(out, "loading", "0");
  Line(out, "async_loading", "0");
  Line(out, "current_cow_peak", "0");
  Line(out, "current_cow_size", "0");
  Line(out, "current_cow_size_age", "0");
  Line(out, "current_fork_perc", "0.00");
  Line(out, "current_save_keys_processed", "0");
  Line(out, "current_save_keys_total", "0");
  Line(out, "rdb_changes_since_last_save", rdb->changes_since_last_save);
  Line(out, "rdb_bgsave_in_progress", rdb->bgsave_in_progress ? "1" : "0");
  Line(out, "rdb_last_save_time", rdb->last_save_time);
  Line(out, "rdb_last_bgsave_status", rdb->last_bgsave_ok ? "ok" : "err");
  Line(out, "rdb_last_bgsave_time_sec", rdb->last_bgsave_time_sec);
  Line(out, "rdb_current_bgsave_time_sec", rdb->current_bgsave_time_sec);
  Line(out, "rdb_saves", static_cast<int64_t>(rdb->saves));
  Line(out, "rdb_last_cow_size", "0");
  Line(out, "rdb_last_load_keys_expired", "0");
  Line(out, "rdb_last_load_keys_loaded", "0");
  Line(out, "aof_enabled", s.enabled ? "1" : "0");
  Line(out, "aof_rewrite_in_progress", s.rewrite_in_progress ? "1" : "0");
  Line(out, "aof_rewrite_scheduled", s.rewrite_scheduled ? "1" : "0");
  Line(out, "aof_last_rewrite_time_sec", s.last_rewrite_time_sec);
  Line(out, "aof_current_rewrite_time_sec", s.current_rewrite_time_sec);
  Line(out, "aof_last_bgrewrite_status", s.last_rewrite_ok ? "ok" : "err");
  Line(out, "aof_rewrites", static_cast<int64_t>(s.rewrites));
  Line(out, "aof_rewrites_consecutive_failures",
       static_cast<int64_t>(s.rewrite_consecutive_failures));
  Line(out, "aof_last_write_status", s.last_write_ok ? "ok" : "err");
  Line(out, "aof_last_cow_size", "0");
  Line(out, "module_fork_in_progress", "0");
  Line(out, "module_fork_last_cow_size", "0");
  if (s.enabled) {
    Line(out, "aof_current_size", static_cast<int64_t>(s.current_size));
    Line(out, "aof_base_size", static_cast<int64_t>(s.base_size));
    Line(out, "aof_pending_rewrite", "0");
    Line(out, "aof_buffer_length", static_cast<int64_t>(s.buffer_length));
    Line(out, "aof_pending_bio_fsync", static_cast<int64_t>(s.pending_fsync));
    Line(out, "aof_delayed_fsync", static_cast<int64_t>(s.delayed_fsync));
  }
  // Ferrite's own: failures counted since start.
  Line(out, "aof_write_errors", static_cast<int64_t>(s.write_errors));
  Line(out, "aof_fsync_errors", static_cast<int64_t>(s.fsync_errors));
}

}  // namespace ferrite::persistence
