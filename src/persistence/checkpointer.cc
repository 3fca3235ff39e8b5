#include "persistence/checkpointer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "base/log.h"
#include "persistence/checkpoint_format.h"
#include "persistence/snapshot_scan.h"
#include "telemetry/api/scoped_span.h"
#include "telemetry/api/semconv.h"

namespace ferrite::persistence {

namespace {

constexpr const char* kTarget = "ferrite::persistence::checkpoint";
constexpr std::string_view kPrefix = "checkpoint-";
constexpr std::string_view kSuffix = ".fcp";
constexpr size_t kDrainBytes = 1 << 20;  // capture bytes written to the file at a time
constexpr int kAttempts = 4;             // a SWAPDB during the scan restarts it

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string FileName(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%010llu", static_cast<unsigned long long>(seq));
  return std::string(kPrefix) + buf + std::string(kSuffix);
}

}  // namespace

std::vector<std::pair<uint64_t, std::string>> ListCheckpoints(const std::string& dir) {
  std::vector<std::pair<uint64_t, std::string>> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) ||
        !name.ends_with(kSuffix)) {
      continue;
    }
    std::string digits = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    out.emplace_back(std::stoull(digits), entry.path().string());
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  return out;
}

Checkpointer::Checkpointer(CheckpointOptions options, storage::Store* store,
                           server::KeyLockTable* locks, AofWriter* aof)
    : options_(std::move(options)),
      io_(options_.io ? *options_.io : PosixIo()),
      store_(store),
      locks_(locks),
      aof_(aof),
      interval_sec_(options_.interval_sec) {
  auto existing = ListCheckpoints(options_.dir);
  if (!existing.empty()) next_seq_ = existing.front().first + 1;
  stats_.last_save_unix = options_.clock() / 1000;
  last_success_ms_ = SteadyMs();
  dirty_at_last_save_ = options_.changes();
  thread_ = std::thread([this] { Loop(); });
}

Checkpointer::~Checkpointer() { (void)Shutdown(false); }

Status Checkpointer::Save() {
  std::unique_lock<std::mutex> lock(mu_);
  if (stop_) return Status::Aborted("ERR the server is shutting down");
  return RequestAndWait(lock);
}

Status Checkpointer::SaveHoldingKeyLocks(const std::function<void()>& lock_all) {
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return !running_ || stop_; });
  if (stop_) return Status::Aborted("ERR the server is shutting down");
  // mu_ is held from here until RequestAndWait waits, so no run starts before the flag is set.
  lock_all();
  keys_locked_by_caller_ = true;
  return RequestAndWait(lock);
}

Status Checkpointer::RequestAndWait(std::unique_lock<std::mutex>& lock) {
  // A run that is already going started before this call: wait for the one after it.
  uint64_t ticket = started_ + 1;
  ++requested_;
  wake_.notify_all();
  done_.wait(lock, [&] { return finished_ >= ticket || stop_; });
  if (finished_ < ticket) return Status::Aborted("ERR the server is shutting down");
  return last_status_;
}

Result<std::string> Checkpointer::BgSave(bool schedule) {
  std::lock_guard<std::mutex> g(mu_);
  if (stop_) return Status::Aborted("ERR the server is shutting down");
  if (running_) {
    if (!schedule) return Status::Aborted("ERR Background save already in progress");
    ++requested_;
    return std::string("Background saving scheduled");
  }
  ++requested_;
  wake_.notify_all();
  return std::string("Background saving started");
}

void Checkpointer::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return (!running_ && requested_ == 0) || stop_; });
}

void Checkpointer::SetInterval(int64_t seconds) {
  std::lock_guard<std::mutex> g(mu_);
  interval_sec_ = seconds;
  wake_.notify_all();
}

CheckpointStats Checkpointer::Stats() const {
  std::lock_guard<std::mutex> g(mu_);
  CheckpointStats s = stats_;
  s.in_progress = running_;
  s.current_duration_sec = running_ ? (SteadyMs() - run_start_ms_) / 1000 : -1;
  s.changes_since_last_save = options_.changes() - dirty_at_last_save_;
  return s;
}

AofWriter::RdbInfo Checkpointer::Info() const {
  CheckpointStats s = Stats();
  AofWriter::RdbInfo r;
  r.changes_since_last_save = s.changes_since_last_save;
  r.bgsave_in_progress = s.in_progress;
  r.last_save_time = s.last_save_unix;
  r.last_bgsave_ok = s.last_ok;
  r.last_bgsave_time_sec = s.last_duration_sec;
  r.current_bgsave_time_sec = s.current_duration_sec;
  r.saves = s.saves;
  return r;
}

Status Checkpointer::Shutdown(bool final_checkpoint) {
  Status result;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_ && !thread_.joinable()) return Status::Ok();
  }
  if (final_checkpoint && Stats().changes_since_last_save > 0) {
    FERRITE_INFO(kTarget, "saving the final checkpoint before shutting down");
    result = Save();
  }
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
    stopping_.store(true);
    wake_.notify_all();
    done_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  return result;
}

void Checkpointer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    int64_t now = SteadyMs();
    bool due = requested_ > 0;
    if (!due && interval_sec_ > 0 && now >= retry_after_ms_ &&
        now - last_success_ms_ >= interval_sec_ * 1000 &&
        options_.changes() - dirty_at_last_save_ > 0) {
      due = true;
      FERRITE_INFO(kTarget, "{} seconds since the last checkpoint and {} changes: saving",
                   interval_sec_, options_.changes() - dirty_at_last_save_);
    }
    if (!due) {
      wake_.wait_for(lock, std::chrono::milliseconds(100));
      continue;
    }
    requested_ = 0;
    ++started_;
    running_ = true;
    run_start_ms_ = now;
    const int64_t dirty_before = options_.changes();
    const bool keys_locked = keys_locked_by_caller_;
    keys_locked_by_caller_ = false;
    lock.unlock();
    uint64_t keys = 0, bytes = 0;
    std::string path;
    Status st = RunOnce(keys_locked, &keys, &bytes, &path);
    lock.lock();
    running_ = false;
    int64_t end = SteadyMs();
    stats_.last_duration_sec = (end - run_start_ms_) / 1000;
    stats_.last_ok = st.ok();
    if (st.ok()) {
      ++stats_.saves;
      stats_.last_save_unix = options_.clock() / 1000;
      stats_.last_keys = keys;
      stats_.last_bytes = bytes;
      stats_.last_path = path;
      last_success_ms_ = end;
      dirty_at_last_save_ = dirty_before;
    } else {
      retry_after_ms_ = end + options_.retry_delay_ms;
    }
    last_status_ = st;
    ++finished_;
    done_.notify_all();
  }
  done_.notify_all();
}

void Checkpointer::DelayForKeys(uint64_t keys) {
  int64_t delay = key_save_delay_us_.load(std::memory_order_relaxed);
  if (delay == 0 || keys == 0) return;
  int64_t micros = 0;
  if (delay > 0) {
    micros = delay * static_cast<int64_t>(keys);
  } else {
    for (uint64_t i = 0; i < keys; ++i) micros += (std::rand() % -delay) == 0 ? 1 : 0;
  }
  // Sliced so that shutdown is not held up by a long delay.
  while (micros > 0 && !stopping_.load(std::memory_order_relaxed)) {
    int64_t step = std::min<int64_t>(micros, 100000);
    std::this_thread::sleep_for(std::chrono::microseconds(step));
    micros -= step;
  }
}

Status Checkpointer::Attempt(const std::string& tmp, server::KeyLockTable& locks, bool* cancelled,
                             uint64_t* keys, uint64_t* bytes) {
  auto created = CheckpointWriter::Create(io_, tmp, options_.clock(), store_->num_databases());
  if (!created) return std::move(created).error();
  CheckpointWriter& w = **created;
  aof_->BeginCheckpointCapture();
  Status write_status;
  auto drain = [&]() -> Status {
    std::string frames = aof_->TakeCheckpointCapture(cancelled);
    if (*cancelled) return Status::Aborted("a SWAPDB ran during the checkpoint");
    return w.WriteFrames(frames);
  };
  size_t since_drain = 0, batches = 0;
  uint64_t keys_in_batch = 0;
  SnapshotCallbacks cb{
      .cancelled = [&] { return stopping_.load(std::memory_order_relaxed); },
      .encode = [&](storage::DbIndex db, std::string_view key, const storage::RecordView& rec,
                    std::string* out) -> Status {
        AppendKeyFrame(out, db, key, rec);
        ++keys_in_batch;
        return Status::Ok();
      },
      .deliver =
          [&](storage::DbIndex, std::string_view encoded) {
            if (encoded.empty()) return;
            aof_->AppendCheckpointFrames(encoded);
            since_drain += encoded.size();
          },
      .after_batch = [&]() -> Status {
        DelayForKeys(keys_in_batch);
        keys_in_batch = 0;
        // Captured commands fill the buffer too, unseen here: drain at least every 64 batches.
        if (since_drain < kDrainBytes && ++batches % 64 != 0) return Status::Ok();
        since_drain = 0;
        return drain();
      },
  };
  Status st = SnapshotScan(*store_, locks, cb);
  std::string rest;
  bool cancelled_at_end = false;
  AofPosition pos = aof_->EndCheckpointCapture(&rest, &cancelled_at_end);
  *cancelled = *cancelled || cancelled_at_end;
  if (st.ok() && *cancelled) st = Status::Aborted("a SWAPDB ran during the checkpoint");
  if (st.ok()) st = w.WriteFrames(rest);
  // The AOF must hold everything up to `pos` before a checkpoint naming it exists.
  if (st.ok() && pos.valid) st = aof_->Flush();
  if (st.ok()) st = w.Finish(pos.valid, pos.aof_id, pos.offset, pos.db, options_.clock());
  *keys = w.keys();
  *bytes = w.bytes();
  return st;
}

Status Checkpointer::RunOnce(bool keys_locked, uint64_t* keys, uint64_t* bytes, std::string* path) {
  telemetry::ScopedSpan span(telemetry::semconv::kSpanCheckpoint);
  auto t0 = std::chrono::steady_clock::now();
  const std::string tmp = options_.dir + "/temp-checkpoint-" + std::to_string(getpid()) + ".fcp";
  uint64_t seq;
  {
    std::lock_guard<std::mutex> g(mu_);
    seq = next_seq_++;
  }
  *path = options_.dir + "/" + FileName(seq);
  FERRITE_INFO(kTarget, "checkpoint {} started", *path);
  Status st;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    bool cancelled = false;
    st = Attempt(tmp, keys_locked ? *unused_locks_ : *locks_, &cancelled, keys, bytes);
    if (st.ok() || !cancelled || stopping_.load()) break;
    FERRITE_INFO(kTarget, "checkpoint restarted: a SWAPDB moved databases under its scan");
  }
  if (st.ok()) st = io_.Rename(tmp, *path);
  if (st.ok()) st = io_.SyncDir(options_.dir);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!st.ok()) {
    (void)io_.Remove(tmp);
    span.SetError(st.message());
    FERRITE_ERROR(kTarget, "checkpoint {} failed: {}", *path, st.ToString());
    return st;
  }
  span.SetInt("ferrite.checkpoint.keys", static_cast<int64_t>(*keys));
  span.SetInt("ferrite.checkpoint.bytes", static_cast<int64_t>(*bytes));
  FERRITE_INFO(kTarget, "checkpoint {} saved: {} keys, {} bytes in {} seconds", *path, *keys,
               *bytes, seconds);
  Prune();
  return Status::Ok();
}

void Checkpointer::Prune() {
  auto all = ListCheckpoints(options_.dir);
  for (size_t i = std::max<size_t>(options_.keep, 1); i < all.size(); ++i) {
    Status st = io_.Remove(all[i].second);
    if (!st.ok()) FERRITE_WARN(kTarget, "removing old checkpoint: {}", st.ToString());
  }
}

}  // namespace ferrite::persistence
