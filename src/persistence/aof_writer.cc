#include "persistence/aof_writer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "base/log.h"
#include "base/string_util.h"
#include "persistence/aof_emitters.h"
#include "persistence/aof_format.h"
#include "persistence/checkpoint_format.h"
#include "server/config/config.h"
#include "telemetry/api/command_trace.h"
#include "telemetry/api/scoped_span.h"
#include "telemetry/api/semconv.h"

namespace ferrite::persistence {

namespace {

constexpr const char* kTarget = "ferrite::persistence::aof";
constexpr storage::DbIndex kNoDb = UINT32_MAX;
constexpr size_t kEarlySyncBytes = 64 << 20;  // everysec: fsync early past this much unsynced
constexpr int64_t kErrorLogIntervalMs = 10000;

thread_local uint64_t tls_last_lsn = 0;
// A transaction being gathered on this thread (between MULTI and EXEC).
struct TxBuffer {
  bool active = false;
  storage::DbIndex first_db = 0;
  storage::DbIndex last_db = 0;
  std::string bytes;
};
thread_local TxBuffer tls_tx;
thread_local std::string tls_scratch;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool IsWord(std::span<const std::string_view> argv, std::string_view word) {
  return argv.size() == 1 && EqualsIgnoreCase(argv[0], word);
}

}  // namespace

AofWriter::AofWriter(AofOptions options, storage::Store* store, server::KeyLockTable* locks)
    : options_(std::move(options)),
      io_(options_.io ? *options_.io : PosixIo()),
      store_(store),
      locks_(locks),
      auto_rewrite_percentage_(options_.auto_rewrite_percentage),
      auto_rewrite_min_size_(options_.auto_rewrite_min_size),
      last_db_(kNoDb),
      rewrite_last_db_(kNoDb) {
  path_ = options_.dir + "/" + options_.filename;
  temp_path_ = options_.dir + "/temp-rewriteaof-bg-" + std::to_string(getpid()) + ".aof";
  sync_.store(options_.sync);
  emitters_.emplace_back(storage::ValueType::kString, EmitStringRecord);
  for (storage::ValueType t : {storage::ValueType::kList, storage::ValueType::kSet,
                               storage::ValueType::kHash, storage::ValueType::kZSet}) {
    emitters_.emplace_back(t, EmitCollectionRecord);
  }
}

Result<std::unique_ptr<AofWriter>> AofWriter::Open(AofOptions options, storage::Store* store,
                                                   server::KeyLockTable* locks) {
  std::unique_ptr<AofWriter> w(new AofWriter(std::move(options), store, locks));
  if (w->options_.enabled) {
    auto file = w->io_.Open(w->path_, true);
    if (!file) return std::move(file).error();
    auto size = (*file)->Size();
    if (!size) return std::move(size).error();
    if (*size == 0) {
      // A new file: it starts with its identity, which checkpoints refer to.
      std::string head;
      w->aof_id_ = NewAofId();
      AppendIdAnnotation(&head, w->aof_id_);
      Status st = (*file)->WriteAt(0, head.data(), head.size());
      if (st.ok()) st = (*file)->Sync();
      if (!st.ok()) return st;
      *size = head.size();
    } else {
      auto id = ReadAofId(w->io_, w->path_);
      if (!id) return std::move(id).error();
      w->aof_id_ = *id;
    }
    w->file_base_offset_ = *size;
    w->file_ = std::move(*file);
    w->file_size_ = w->synced_size_ = *size;
    w->base_size_ = *size;
    w->enabled_ = true;
    w->main_file_active_ = true;
  } else {
    w->main_file_active_ = false;
  }
  w->last_fsync_ms_ = NowMs();
  w->writer_ = std::thread([p = w.get()] { p->WriterLoop(); });
  return w;
}

AofWriter::~AofWriter() { (void)Shutdown(); }

// ---- Command path ----

void AofWriter::AppendLocked(storage::DbIndex db, std::string_view bytes, storage::DbIndex end_db) {
  // REQUIRES: mu_ held.
  if (ckpt_capture_) AppendCommandsFrame(&ckpt_buf_, db, bytes);
  if (!enabled_.load(std::memory_order_relaxed)) return;
  size_t before = buf_.size();
  if (db != last_db_) AppendSelect(&buf_, db);
  buf_.append(bytes);
  appended_lsn_ += buf_.size() - before;
  last_db_ = end_db;
  if (rewrite_capture_) {
    if (db != rewrite_last_db_) AppendSelect(&rewrite_buf_, db);
    rewrite_buf_.append(bytes);
    rewrite_last_db_ = end_db;
  }
}

void AofWriter::Propagate(storage::DbIndex db, std::span<const std::string_view> argv) {
  if (argv.empty()) return;
  TxBuffer& tx = tls_tx;
  const bool in_tx = tx.active || IsWord(argv, "MULTI");
  // Transactions are gathered even while nothing consumes them, so that the AOF (or a checkpoint
  // capture) switched on between MULTI and EXEC never receives an EXEC without its MULTI.
  if (!in_tx && !enabled_.load(std::memory_order_relaxed) &&
      !ckpt_capture_on_.load(std::memory_order_relaxed)) {
    return;
  }
  telemetry::StepScope step(telemetry::Step::kAofAppend);
  if (in_tx) {
    // Gather the whole transaction here, then append it in one piece at EXEC.
    if (!tx.active) {
      tx.active = true;
      tx.first_db = tx.last_db = db;
      tx.bytes.clear();
    } else if (db != tx.last_db) {
      AppendSelect(&tx.bytes, db);
      tx.last_db = db;
    }
    AppendCommand(&tx.bytes, argv);
    if (!IsWord(argv, "EXEC")) return;
    tx.active = false;
    step.SetBytes(tx.bytes.size());
    bool wake;
    {
      std::lock_guard<std::mutex> g(mu_);
      if (!enabled_.load(std::memory_order_relaxed) && !ckpt_capture_) return;
      AppendLocked(tx.first_db, tx.bytes, tx.last_db);
      tls_last_lsn = appended_lsn_;
      wake = writer_idle_;
      writer_idle_ = false;
    }
    if (wake) wake_.notify_one();
    return;
  }
  std::string& scratch = tls_scratch;
  scratch.clear();
  AppendCommand(&scratch, argv);
  step.SetBytes(scratch.size());
  // A SWAPDB moves whole databases under a running rewrite's scan: that rewrite must restart.
  bool swapdb = argv[0].size() == 6 && EqualsIgnoreCase(argv[0], "SWAPDB");
  bool wake;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!enabled_.load(std::memory_order_relaxed) && !ckpt_capture_) return;
    if (swapdb && rewrite_running_) rewrite_cancel_ = rewrite_scheduled_ = true;
    if (swapdb && ckpt_capture_) ckpt_cancel_ = true;
    AppendLocked(db, scratch, db);
    tls_last_lsn = appended_lsn_;
    wake = writer_idle_;
    writer_idle_ = false;
  }
  if (wake) wake_.notify_one();
}

uint64_t AofWriter::TakeThreadLsn() noexcept {
  uint64_t lsn = tls_last_lsn;
  tls_last_lsn = 0;
  return lsn;
}

bool AofWriter::IsDurableLsn(uint64_t lsn) const noexcept {
  if (sync_.load(std::memory_order_relaxed) != AofSync::kAlways) return true;
  return lsn <= synced_lsn_.load(std::memory_order_acquire);
}

void AofWriter::NotifyWhenDurableLsn(uint64_t lsn, std::function<void(bool)> cb) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!IsDurable(lsn) && !stop_) {
      waiters_.push_back(Waiter{lsn, std::move(cb)});
      if (gather_target_ != 0 && waiters_.size() >= gather_target_) wake_.notify_one();
      return;
    }
  }
  cb(IsDurable(lsn));
}

void AofWriter::ReleaseWaiters(uint64_t durable_lsn, bool ok) {
  // REQUIRES: mu_ held. Callbacks run without it.
  if (waiters_.empty()) return;
  std::vector<Waiter> ready;
  auto it = std::partition(waiters_.begin(), waiters_.end(),
                           [&](const Waiter& w) { return !ok ? false : w.lsn > durable_lsn; });
  if (!ok) it = waiters_.begin();
  ready.assign(std::make_move_iterator(it), std::make_move_iterator(waiters_.end()));
  waiters_.erase(it, waiters_.end());
  if (ok && !ready.empty()) last_released_ = ready.size();
  mu_.unlock();
  for (Waiter& w : ready) w.cb(ok);
  mu_.lock();
}

// ---- Writer thread ----

void AofWriter::GatherWaiters(std::unique_lock<std::mutex>& lock) {
  // REQUIRES: lock held; returns with it held. The clients the last fsync released send their
  // next commands within microseconds of each other. Fsyncing as soon as the first one arrives
  // would leave the others for the fsync after it, doubling their latency and halving the
  // throughput of a synchronous client pool. So wait until as many replies wait as the last fsync
  // released, for at most a quarter of that fsync's duration (and 1 ms): a lone client waits for
  // nobody, and a slower batch costs at most that delay.
  if (last_released_ < 2 || waiters_.size() >= last_released_) return;
  const int64_t wait_us = std::min<int64_t>(1000, last_fsync_us_ / 4);
  if (wait_us <= 0) return;
  gather_target_ = last_released_;
  wake_.wait_for(lock, std::chrono::microseconds(wait_us), [&] {
    return stop_ || flush_requested_ || switch_requested_ || waiters_.size() >= gather_target_;
  });
  gather_target_ = 0;
}

void AofWriter::EnterDegraded(const Status& st, bool fsync) {
  // REQUIRES: mu_ held.
  (fsync ? fsync_errors_ : write_errors_).fetch_add(1, std::memory_order_relaxed);
  int64_t now = NowMs();
  if (!degraded_ || now - last_error_log_ms_ >= kErrorLogIntervalMs) {
    FERRITE_ERROR(kTarget,
                  "{} of the append only file {} failed: {}. Write commands are refused (MISCONF) "
                  "until the disk works again; retrying every {} ms",
                  fsync ? "fsync" : "write", path_, st.ToString(), options_.retry_interval_ms);
    last_error_log_ms_ = now;
  }
  degraded_ = true;
  accepting_writes_.store(false, std::memory_order_relaxed);
  next_retry_ms_ = now + options_.retry_interval_ms;
}

bool AofWriter::WriteAndSync(std::unique_lock<std::mutex>& lock, bool force_sync) {
  // REQUIRES: lock held; returns with it held.
  if (!buf_.empty()) {
    if (pending_.empty()) {
      pending_.swap(buf_);
    } else {
      pending_.append(buf_);
      buf_.clear();
    }
  }
  pending_end_lsn_ = appended_lsn_;
  AofSync sync = sync_.load();
  lock.unlock();

  Status st;
  if (pending_written_ < pending_.size()) {
    st = file_->WriteAt(synced_size_ + pending_written_, pending_.data() + pending_written_,
                        pending_.size() - pending_written_);
    if (st.ok()) {
      pending_written_ = pending_.size();
      file_size_.store(synced_size_ + pending_.size(), std::memory_order_relaxed);
      dirty_since_sync_ = true;
    } else {
      // Best effort: a partial record must not stay in the file (it is written again later).
      (void)file_->Truncate(synced_size_ + pending_written_);
    }
  }
  if (!st.ok()) {
    lock.lock();
    EnterDegraded(st, false);
    return false;
  }
  written_lsn_.store(pending_end_lsn_, std::memory_order_release);

  int64_t now = NowMs();
  bool do_sync =
      dirty_since_sync_ && (force_sync || sync == AofSync::kAlways ||
                            (sync == AofSync::kEverySec &&
                             (now - last_fsync_ms_ >= 1000 || pending_.size() >= kEarlySyncBytes)));
  if (do_sync) {
    telemetry::ScopedSpan span(telemetry::semconv::kSpanAofFsync);
    span.SetInt("ferrite.aof.bytes", static_cast<int64_t>(pending_.size()));
    fsync_running_.store(true, std::memory_order_relaxed);
    auto t0 = std::chrono::steady_clock::now();
    st = file_->Sync();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    last_fsync_us_ = static_cast<int64_t>(seconds * 1e6);
    fsync_running_.store(false, std::memory_order_relaxed);
    if (sync_hook_) sync_hook_(seconds);
    if (!st.ok()) {
      span.SetError(st.message());
      // Linux may have dropped the dirty pages: write everything since the last good fsync again.
      pending_written_ = 0;
      lock.lock();
      EnterDegraded(st, true);
      return false;
    }
    fsyncs_.fetch_add(1, std::memory_order_relaxed);
    if (sync == AofSync::kEverySec && now - last_fsync_ms_ > 2000 && last_fsync_ms_ != 0) {
      delayed_fsync_.fetch_add(1, std::memory_order_relaxed);
    }
    last_fsync_ms_ = now;
    dirty_since_sync_ = false;
    synced_size_ = file_size_.load(std::memory_order_relaxed);
    pending_.clear();
    pending_written_ = 0;
    synced_lsn_.store(pending_end_lsn_, std::memory_order_release);
  } else if (sync == AofSync::kNo && !force_sync) {
    // Handed to the OS: nothing to keep for a later fsync.
    synced_size_ = file_size_.load(std::memory_order_relaxed);
    pending_.clear();
    pending_written_ = 0;
  }
  lock.lock();
  if (degraded_) {
    degraded_ = false;
    accepting_writes_.store(true, std::memory_order_relaxed);
    FERRITE_WARN(kTarget, "writing to the append only file {} works again; accepting writes",
                 path_);
  }
  ReleaseWaiters(sync_.load() == AofSync::kAlways ? synced_lsn_.load() : written_lsn_.load(), true);
  return true;
}

void AofWriter::WriterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  int64_t last_auto_check = 0;
  for (;;) {
    if (switch_requested_) {
      SwitchToRewritten(lock);
      continue;
    }
    int64_t now = NowMs();
    if (now - last_auto_check >= 100) {
      last_auto_check = now;
      MaybeAutoRewrite();
    }
    bool active = main_file_active_ && file_ != nullptr;
    if (!active) {
      // Disabled, or enabling (the rewrite in progress captures every record).
      buf_.clear();
      if (stop_) break;
      writer_idle_ = true;
      wake_.wait_for(lock, std::chrono::milliseconds(100));
      continue;
    }
    bool has_data = !buf_.empty() || pending_written_ < pending_.size();
    AofSync sync = sync_.load();
    bool sync_due = dirty_since_sync_ && sync == AofSync::kEverySec && now - last_fsync_ms_ >= 1000;
    if (stop_) {
      WriteAndSync(lock, /*force_sync=*/true);
      break;
    }
    if (degraded_) {
      progress_.notify_all();
      if (now < next_retry_ms_) {
        wake_.wait_for(lock, std::chrono::milliseconds(next_retry_ms_ - now));
        continue;
      }
      WriteAndSync(lock, /*force_sync=*/sync != AofSync::kNo);
      continue;
    }
    if (flush_requested_) {
      bool ok = WriteAndSync(lock, /*force_sync=*/true);
      // With nothing written since the last fsync, everything appended is already synced.
      if (ok && !dirty_since_sync_) synced_lsn_.store(written_lsn_.load());
      flush_requested_ = false;
      progress_.notify_all();
      continue;
    }
    if (!has_data && !sync_due && !(sync == AofSync::kAlways && dirty_since_sync_)) {
      writer_idle_ = true;
      int64_t wait_ms = sync == AofSync::kEverySec && dirty_since_sync_
                            ? std::max<int64_t>(1, 1000 - (now - last_fsync_ms_))
                            : 100;
      wake_.wait_for(lock, std::chrono::milliseconds(wait_ms));
      writer_idle_ = false;
      continue;
    }
    if (sync == AofSync::kAlways) GatherWaiters(lock);
    WriteAndSync(lock, false);
  }
  // Shutting down: whoever still waits learns whether its record made it.
  ReleaseWaiters(synced_lsn_.load(), true);
  ReleaseWaiters(0, false);
  file_.reset();
}

Status AofWriter::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!main_file_active_ || file_ == nullptr) return Status::Ok();
  uint64_t target = appended_lsn_;
  flush_requested_ = true;
  writer_idle_ = false;
  wake_.notify_one();
  progress_.wait(lock, [&] {
    return stop_ || degraded_ || !main_file_active_ ||
           (synced_lsn_.load() >= target && !flush_requested_);
  });
  if (degraded_) return Status::IoError("the append only file is not writable (degraded mode)");
  return Status::Ok();
}

Status AofWriter::Shutdown() {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (shut_down_) return Status::Ok();
    shut_down_ = true;
    rewrite_cancel_ = true;
  }
  WaitForRewrite();
  {
    std::lock_guard<std::mutex> g(mu_);
    if (rewrite_thread_.joinable()) rewrite_thread_.join();
    stop_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  std::lock_guard<std::mutex> g(mu_);
  if (degraded_) return Status::IoError("the append only file could not be written at shutdown");
  return Status::Ok();
}

// ---- Control ----

void AofWriter::SetSyncPolicy(AofSync sync) {
  std::lock_guard<std::mutex> g(mu_);
  sync_.store(sync);
  wake_.notify_one();
}

void AofWriter::SetRewriteEmitter(storage::ValueType type, RecordEmitter emitter) {
  std::lock_guard<std::mutex> g(mu_);
  for (auto& [t, e] : emitters_) {
    if (t == type) {
      e = std::move(emitter);
      return;
    }
  }
  emitters_.emplace_back(type, std::move(emitter));
}

void AofWriter::SetSyncDurationHook(SyncDurationHook hook) {
  std::lock_guard<std::mutex> g(mu_);
  sync_hook_ = std::move(hook);
}

Status AofWriter::SetEnabled(bool enabled) {
  std::unique_lock<std::mutex> lock(mu_);
  if (enabled == enabled_.load()) return Status::Ok();
  if (!enabled) {
    enabled_.store(false);
    rewrite_cancel_ = true;
    lock.unlock();
    WaitForRewrite();
    lock.lock();
    // Let the writer drain and fsync what is buffered, then close the file.
    if (file_ != nullptr && main_file_active_) {
      lock.unlock();
      Status st = Flush();
      lock.lock();
      if (!st.ok()) FERRITE_WARN(kTarget, "disabling the AOF: {}", st.ToString());
    }
    main_file_active_ = false;
    wake_.notify_one();
    FERRITE_INFO(kTarget, "append only file disabled");
    return Status::Ok();
  }
  enabled_.store(true);
  main_file_active_ = false;
  lock.unlock();
  Status st = StartRewrite();
  if (!st.ok()) {
    lock.lock();
    rewrite_scheduled_ = true;
  }
  FERRITE_INFO(kTarget, "append only file enabled: rewriting it from the current data");
  return Status::Ok();
}

Status AofWriter::ApplyConfig(const server::config::Config& config) {
  const server::config::PersistenceConfig& p = config.persistence;
  AofSync sync = p.aof_sync == "always" ? AofSync::kAlways
                 : p.aof_sync == "no"   ? AofSync::kNo
                                        : AofSync::kEverySec;
  SetSyncPolicy(sync);
  auto_rewrite_percentage_.store(p.auto_aof_rewrite_percentage);
  auto_rewrite_min_size_.store(p.auto_aof_rewrite_min_size);
  return SetEnabled(p.aof_enabled);
}

void AofWriter::WaitForRewrite() {
  std::unique_lock<std::mutex> lock(mu_);
  progress_.wait(lock, [&] { return !rewrite_running_; });
}

Status AofWriter::StartRewrite() {
  std::lock_guard<std::mutex> g(mu_);
  if (rewrite_running_) {
    return Status::Aborted("ERR Background append only file rewriting already in progress");
  }
  if (stop_ || shut_down_) return Status::Aborted("ERR the server is shutting down");
  if (rewrite_thread_.joinable()) rewrite_thread_.join();  // a finished one
  rewrite_running_ = true;
  rewrite_cancel_ = false;
  rewrite_scheduled_ = false;
  rewrite_start_ms_ = NowMs();
  rewrite_thread_ = std::thread([this] { RewriteMain(); });
  return Status::Ok();
}

void AofWriter::MaybeAutoRewrite() {
  // REQUIRES: mu_ held (writer thread).
  if (rewrite_running_ || stop_ || shut_down_ || !enabled_.load()) return;
  bool start = false;
  if (rewrite_scheduled_) {
    start = NowMs() - rewrite_start_ms_ >= options_.retry_interval_ms;
  } else if (main_file_active_) {
    int64_t pct = auto_rewrite_percentage_.load();
    uint64_t size = file_size_.load();
    uint64_t base = std::max<uint64_t>(base_size_.load(), 1);
    if (pct > 0 && size >= auto_rewrite_min_size_.load()) {
      int64_t growth = static_cast<int64_t>(size * 100 / base) - 100;
      start = growth >= pct;
      if (start) {
        FERRITE_INFO(kTarget, "starting automatic rewriting of AOF on {}% growth", growth);
      }
    }
  }
  if (!start) return;
  if (rewrite_thread_.joinable()) rewrite_thread_.join();
  rewrite_running_ = true;
  rewrite_cancel_ = false;
  rewrite_scheduled_ = false;
  rewrite_start_ms_ = NowMs();
  rewrite_thread_ = std::thread([this] { RewriteMain(); });
}

// ---- Checkpoints ----

AofPosition AofWriter::Position() const {
  std::lock_guard<std::mutex> g(mu_);
  return PositionLocked();
}

AofPosition AofWriter::PositionLocked() const {
  // REQUIRES: mu_ held.
  AofPosition p;
  p.valid = enabled_.load() && main_file_active_ && file_ != nullptr && !aof_id_.empty();
  if (!p.valid) return p;
  p.aof_id = aof_id_;
  p.offset = file_base_offset_ + (appended_lsn_ - file_base_lsn_);
  p.db = last_db_ == kNoDb ? 0 : last_db_;  // kNoDb: the next record starts with a SELECT
  return p;
}

void AofWriter::BeginCheckpointCapture() {
  std::lock_guard<std::mutex> g(mu_);
  ckpt_buf_.clear();
  ckpt_cancel_ = false;
  ckpt_capture_ = true;
  ckpt_capture_on_.store(true, std::memory_order_relaxed);
}

void AofWriter::AppendCheckpointFrames(std::string_view frames) {
  std::lock_guard<std::mutex> g(mu_);
  ckpt_buf_.append(frames);
}

std::string AofWriter::TakeCheckpointCapture(bool* cancelled) {
  std::string out;
  std::lock_guard<std::mutex> g(mu_);
  out.swap(ckpt_buf_);
  *cancelled = ckpt_cancel_;
  return out;
}

AofPosition AofWriter::EndCheckpointCapture(std::string* rest, bool* cancelled) {
  std::lock_guard<std::mutex> g(mu_);
  // Taken under the same lock hold that stops the capture: every command before this point is
  // in the capture, every one after it is in the AOF after p.offset.
  AofPosition p = PositionLocked();
  rest->swap(ckpt_buf_);
  ckpt_buf_.clear();
  ckpt_buf_.shrink_to_fit();
  *cancelled = ckpt_cancel_;
  ckpt_capture_ = false;
  ckpt_capture_on_.store(false, std::memory_order_relaxed);
  return p;
}

// ---- Observability ----

AofStats AofWriter::Stats() const {
  std::lock_guard<std::mutex> g(mu_);
  AofStats s;
  s.enabled = enabled_.load();
  s.sync = sync_.load();
  s.accepting_writes = accepting_writes_.load();
  s.rewrite_in_progress = rewrite_running_;
  s.rewrite_scheduled = rewrite_scheduled_;
  s.last_rewrite_time_sec = last_rewrite_time_sec_.load();
  s.current_rewrite_time_sec = rewrite_running_ ? (NowMs() - rewrite_start_ms_) / 1000 : -1;
  s.last_rewrite_ok = last_rewrite_ok_.load();
  s.rewrites = rewrites_.load();
  s.rewrite_consecutive_failures = rewrite_failures_in_a_row_.load();
  s.last_write_ok = !degraded_;
  s.current_size = file_size_.load();
  s.base_size = base_size_.load();
  s.buffer_length = buf_.size();
  s.pending_fsync = fsync_running_.load() ? 1 : 0;
  s.delayed_fsync = delayed_fsync_.load();
  s.write_errors = write_errors_.load();
  s.fsync_errors = fsync_errors_.load();
  s.fsyncs = fsyncs_.load();
  s.appended_lsn = appended_lsn_;
  s.synced_lsn = synced_lsn_.load();
  return s;
}

Result<std::string> BgRewriteAofCommand(AofWriter& writer) {
  Status st = writer.StartRewrite();
  if (!st.ok()) return st;
  return std::string("Background append only file rewriting started");
}

}  // namespace ferrite::persistence
