#pragma once
// Checkpointer: SAVE, BGSAVE [SCHEDULE], LASTSAVE and periodic checkpoints
// (persistence.checkpoint_interval), without fork and without stopping service.
//
// A checkpoint is taken exactly like an AOF rewrite (snapshot_scan.h): a background thread reads
// every key with its KeyLockTable stripe held and appends a KEY frame to the AofWriter's capture
// buffer, into which every command that runs meanwhile is also appended (COMMANDS frames). The
// file (checkpoint_format.h) is therefore one ordered stream whose replay gives the data set at
// the moment the capture ended, and the AofWriter names that moment as an AOF position (file id +
// offset). The AOF is fsynced up to that position, the checkpoint is fsynced, renamed to
// <dir>/checkpoint-<seq>.fcp and the directory fsynced; the newest `keep` checkpoints are kept.
//
// Recovery (recovery.h) loads the newest valid checkpoint, then replays the AOF from the position
// the checkpoint names, so every acknowledged write survives: the AOF stays a complete history on
// its own, and the checkpoint only shortens the replay.
//
// One checkpoint runs at a time, on the Checkpointer's thread. Periodic checkpoints start when
// `interval_sec` passed since the last successful one and something changed; after a failure
// the next attempt waits `retry_delay_ms`, as Redis does.
//
// Thread safety: every public method may be called from any thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "persistence/aof_io.h"
#include "persistence/aof_writer.h"
#include "server/key_locks.h"
#include "storage/store.h"

namespace ferrite::persistence {

struct CheckpointOptions {
  std::string dir = ".";
  AofIo* io = nullptr;       // default PosixIo()
  int64_t interval_sec = 0;  // 0 = no periodic checkpoints
  size_t keep = 2;           // checkpoint files kept, newest first (an older one is the fallback)
  int64_t retry_delay_ms = 5000;
  // Redis's server.dirty: how many changes were made since startup.
  std::function<int64_t()> changes = [] { return int64_t{0}; };
  // Unix time in ms (LASTSAVE, file headers); tests substitute their own.
  storage::ClockFn clock = storage::SystemClockMs;
};

struct CheckpointStats {
  bool in_progress = false;
  int64_t last_save_unix = 0;  // LASTSAVE: the last success, or startup
  bool last_ok = true;
  int64_t last_duration_sec = -1;
  int64_t current_duration_sec = -1;
  uint64_t saves = 0;  // successful checkpoints since startup
  int64_t changes_since_last_save = 0;
  uint64_t last_keys = 0;
  uint64_t last_bytes = 0;
  std::string last_path;
};

// Checkpoint files in `dir`, newest (highest sequence) first.
std::vector<std::pair<uint64_t, std::string>> ListCheckpoints(const std::string& dir);

class Checkpointer {
 public:
  // Starts the thread. `store`, `locks` and `aof` must outlive the Checkpointer.
  Checkpointer(CheckpointOptions options, storage::Store* store, server::KeyLockTable* locks,
               AofWriter* aof);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // SAVE: takes a checkpoint that starts after this call and waits for it; its status.
  Status Save();
  // SAVE while the caller holds every KeyLockTable stripe (DEBUG RELOAD: no command may change
  // data between the save and the load that follows). `lock_all` is called once no checkpoint
  // is running, before the next one can start, and must take every stripe; the checkpoint's scan
  // then reads without stripes (they are all held). The caller releases them afterwards.
  Status SaveHoldingKeyLocks(const std::function<void()>& lock_all);
  // BGSAVE [SCHEDULE]: the status reply, or the error. Without `schedule` while one runs:
  // "ERR Background save already in progress"; with it, another one runs after it.
  Result<std::string> BgSave(bool schedule);
  // Blocks until no checkpoint is running or requested (tests, shutdown).
  void WaitIdle();
  void SetInterval(int64_t seconds);
  // Redis's rdb-key-save-delay: microseconds to wait per key written (tests use it to make a
  // save slow). The wait happens between batches, with no stripe held, so commands go on. A
  // negative value -N waits 1 us with probability 1/N, as Redis's debugDelay does.
  void SetKeySaveDelay(int64_t micros) { key_save_delay_us_.store(micros); }
  CheckpointStats Stats() const;
  AofWriter::RdbInfo Info() const;
  // Stops the thread after the running checkpoint; with `final_checkpoint` and changes since the
  // last one (Redis's save-on-shutdown), takes one more first.
  Status Shutdown(bool final_checkpoint);

 private:
  void Loop();
  // REQUIRES: `lock` holds mu_. Requests a run and waits for it (or for shutdown).
  Status RequestAndWait(std::unique_lock<std::mutex>& lock);
  Status RunOnce(bool keys_locked, uint64_t* keys, uint64_t* bytes, std::string* path);
  Status Attempt(const std::string& tmp, server::KeyLockTable& locks, bool* cancelled,
                 uint64_t* keys, uint64_t* bytes);
  void DelayForKeys(uint64_t keys);
  void Prune();

  const CheckpointOptions options_;
  AofIo& io_;
  storage::Store* store_;
  server::KeyLockTable* locks_;
  AofWriter* aof_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  int64_t interval_sec_;
  uint64_t requested_ = 0;  // SAVE/BGSAVE requests not yet picked up
  uint64_t started_ = 0;    // runs started (tickets)
  uint64_t finished_ = 0;   // runs finished
  Status last_status_;
  bool running_ = false;
  bool stop_ = false;
  int64_t run_start_ms_ = 0;
  int64_t retry_after_ms_ = 0;
  int64_t last_success_ms_ = 0;  // steady clock, for the interval
  int64_t dirty_at_last_save_ = 0;
  uint64_t next_seq_ = 1;
  CheckpointStats stats_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> key_save_delay_us_{0};
  bool keys_locked_by_caller_ = false;  // the next run scans with unused_locks_
  // Taken by a scan whose caller already holds every stripe of *locks_: never contended.
  std::unique_ptr<server::KeyLockTable> unused_locks_ = std::make_unique<server::KeyLockTable>();
  std::thread thread_;
};

}  // namespace ferrite::persistence
