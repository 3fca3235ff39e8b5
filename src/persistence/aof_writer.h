#pragma once
// AofWriter: the append-only file. It receives every write command from the dispatcher (it is
// the server's PropagationSink), encodes it as RESP, and a background thread writes and fsyncs
// it by the configured policy. It also runs BGREWRITEAOF and serves INFO persistence.
//
// Appending (event-loop threads, command path): Propagate() encodes the command into a
// thread-local scratch buffer outside any lock, then copies it into one shared buffer under a
// mutex held only for that memcpy (plus a SELECT when the database changes). Every command gets
// an LSN: the end offset of its record in the logical stream of appended bytes. The dispatcher
// calls Propagate with the command's key locks held, so per key the file order is the execution
// order. MULTI ... EXEC from one thread is gathered thread-locally and appended in one piece, so
// another thread's commands never land inside a transaction.
//
// Writing (one background thread): takes the shared buffer, writes it at the end of the file,
// and then, by policy: `always` fsyncs before any reply waiting for those records may go out
// (the commands that arrived during one fsync share the next one: group commit, see
// GatherWaiters); `everysec` fsyncs about once a second; `no` leaves flushing to the OS.
//
// Replies under `always`: after the dispatcher ran a command, TakeThreadLsn() gives the LSN of
// the last record this thread appended (0 if none). The connection replies at once when
// IsDurable(lsn); otherwise it holds its output and calls NotifyWhenDurable(lsn, cb). Under the
// other policies IsDurable() is always true.
//
// Failures: a failed write or fsync switches the writer to degraded mode: AcceptingWrites()
// returns false (the dispatcher refuses write commands with MISCONF), the failure is logged
// (rate-limited) and counted, the records stay in memory, and the writer retries every
// `retry_interval_ms`. Because Linux may drop dirty pages after a failed fsync, every byte since
// the last successful fsync is written again before the next one. Once a write and fsync succeed,
// writes are accepted again.
//
// BGREWRITEAOF: a rewrite thread scans the store and writes a temporary file with one command per
// key (SET ... PXAT for strings; a per-type emitter hook for collections). Each key is read with
// its KeyLockTable stripe held and its record is ordered into the same stream as the commands
// appended meanwhile, so replaying the new file reproduces exactly the state the old one does.
// At the end the writer thread appends the last captured commands, fsyncs, renames the file over
// the AOF and fsyncs the directory. Serving never waits for the rewrite.
//
// Identity and positions: every AOF Ferrite creates starts with an id annotation (aof_format.h).
// Position() names the file and the byte offset just past the last appended record; a checkpoint
// records it as the point from which the AOF must be replayed on top of it.
//
// Checkpoint capture: while a checkpoint runs (persistence/checkpointer.h), every appended
// command is also copied, as a checkpoint COMMANDS frame, into a capture buffer, whether or not
// the AOF itself is enabled; the checkpoint's snapshot frames enter the same buffer under the same
// mutex, so the checkpoint is one ordered stream exactly like a rewrite.
//
// Thread safety: Propagate, TakeThreadLsn, IsDurable, NotifyWhenDurable, AcceptingWrites,
// StartRewrite, SetSyncPolicy, SetEnabled, FillInfo and Stats may be called from any thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "persistence/aof_io.h"
#include "server/config/runtime_config.h"
#include "server/dispatcher.h"
#include "server/key_locks.h"
#include "storage/store.h"

namespace ferrite::server {
class ServerContext;
namespace config {
struct Config;
}
}  // namespace ferrite::server

namespace ferrite::persistence {

using server::config::AofSync;

struct AofOptions {
  std::string dir = ".";
  std::string filename = "appendonly.aof";
  AofSync sync = AofSync::kEverySec;
  bool enabled = true;
  int64_t auto_rewrite_percentage = 100;  // 0 = no automatic rewrite
  uint64_t auto_rewrite_min_size = 64ull << 20;
  AofIo* io = nullptr;               // default PosixIo()
  int64_t retry_interval_ms = 1000;  // degraded mode: how often to try the disk again
  storage::ClockFn clock = storage::SystemClockMs;  // expiry comparisons during a rewrite
};

// Appends the commands that recreate one record to the rewrite. `emit` may be called several
// times (e.g. a big hash as several HSETs, then PEXPIREAT).
using CommandEmit = FunctionRef<void(std::span<const std::string_view> argv)>;
using RecordEmitter = std::function<Status(std::string_view key, const storage::RecordView& record,
                                           CommandEmit emit)>;

// Called on the writer thread after every fsync with its duration (ferrite.aof.sync.duration).
using SyncDurationHook = std::function<void(double seconds)>;

// A point in the AOF: replaying file `aof_id` from `offset` with database `db` selected gives
// every command appended after the point. `valid` is false when no AOF file receives records.
struct AofPosition {
  bool valid = false;
  std::string aof_id;
  uint64_t offset = 0;
  storage::DbIndex db = 0;
};

struct AofStats {
  bool enabled = false;
  AofSync sync = AofSync::kEverySec;
  bool accepting_writes = true;
  bool rewrite_in_progress = false;
  bool rewrite_scheduled = false;
  int64_t last_rewrite_time_sec = -1;
  int64_t current_rewrite_time_sec = -1;
  bool last_rewrite_ok = true;
  uint64_t rewrites = 0;
  uint64_t rewrite_consecutive_failures = 0;
  bool last_write_ok = true;
  uint64_t current_size = 0;
  uint64_t base_size = 0;
  uint64_t buffer_length = 0;  // appended, not yet written
  uint64_t pending_fsync = 0;  // 1 while an fsync is running
  uint64_t delayed_fsync = 0;  // everysec fsyncs that ran late (> 2 s since the previous one)
  uint64_t write_errors = 0;
  uint64_t fsync_errors = 0;
  uint64_t fsyncs = 0;
  uint64_t appended_lsn = 0;
  uint64_t synced_lsn = 0;
};

class AofWriter final : public server::PropagationSink {
 public:
  // Opens (creating) the AOF for appending and starts the writer thread. Call after ReplayAof.
  // `store` and `locks` are needed by rewrites; they must outlive the writer.
  static Result<std::unique_ptr<AofWriter>> Open(AofOptions options, storage::Store* store,
                                                 server::KeyLockTable* locks);
  ~AofWriter() override;
  AofWriter(const AofWriter&) = delete;
  AofWriter& operator=(const AofWriter&) = delete;

  // ---- Command path ----
  void Propagate(storage::DbIndex db, std::span<const std::string_view> argv) override;
  // The LSN of the last record appended by this thread since the previous call, then 0.
  static uint64_t TakeThreadLsn() noexcept;
  // server::PropagationSink's durability view of the same functions.
  uint64_t TakeThreadPosition() override { return TakeThreadLsn(); }
  bool IsDurable(uint64_t position) const override { return IsDurableLsn(position); }
  void NotifyWhenDurable(uint64_t position, std::function<void(bool)> done) override {
    NotifyWhenDurableLsn(position, std::move(done));
  }
  // May a reply that depends on `lsn` go out? Under `always`: its record is fsynced.
  bool IsDurableLsn(uint64_t lsn) const noexcept;
  // Calls `cb(true)` once IsDurable(lsn) (at once, on this thread, if it already is; otherwise
  // on the writer thread), or `cb(false)` if the writer shuts down first.
  void NotifyWhenDurableLsn(uint64_t lsn, std::function<void(bool durable)> cb);
  // False in degraded mode: the dispatcher answers write commands with MISCONF.
  bool AcceptingWrites() const noexcept override {
    return accepting_writes_.load(std::memory_order_relaxed);
  }

  // ---- Control ----
  // BGREWRITEAOF. Errors: "ERR Background append only file rewriting already in progress".
  Status StartRewrite();
  // Blocks until no rewrite is running (tests, shutdown).
  void WaitForRewrite();
  void SetSyncPolicy(AofSync sync);
  // CONFIG SET appendonly: off flushes, fsyncs and closes the file; on starts a rewrite that
  // creates the file from the current data (the AOF starts receiving records only once that
  // rewrite is complete, as in Redis).
  Status SetEnabled(bool enabled);
  // The RuntimeConfig listener body for appendonly / appendfsync / auto-aof-rewrite-*.
  Status ApplyConfig(const server::config::Config& config);
  void SetRewriteEmitter(storage::ValueType type, RecordEmitter emitter);
  void SetSyncDurationHook(SyncDurationHook hook);
  // Writes and fsyncs everything appended, then stops the threads. Idempotent.
  Status Shutdown();
  // Waits until everything appended so far is written and (unless policy `no`) fsynced. Tests.
  Status Flush();

  // ---- Checkpoints ----
  // Where the next record will be appended (under the append mutex).
  AofPosition Position() const;
  // Starts copying appended commands into the capture buffer (checkpoint_format.h frames).
  void BeginCheckpointCapture();
  // Appends checkpoint frames to the capture buffer under the append mutex, so they are ordered
  // with the captured commands. Call it with the snapshotted keys' stripes still held.
  void AppendCheckpointFrames(std::string_view frames);
  // Takes what the capture buffer holds. Sets *cancelled when a SWAPDB ran since Begin.
  std::string TakeCheckpointCapture(bool* cancelled);
  // Stops capturing: the buffer's remainder goes to *rest, and the returned position is the
  // point of the AOF the capture ends at.
  AofPosition EndCheckpointCapture(std::string* rest, bool* cancelled);

  // ---- Observability ----
  AofStats Stats() const;
  // The rdb_* (checkpoint) fields of INFO persistence, from the Checkpointer.
  struct RdbInfo {
    int64_t changes_since_last_save = 0;
    bool bgsave_in_progress = false;
    int64_t last_save_time = 0;
    bool last_bgsave_ok = true;
    int64_t last_bgsave_time_sec = -1;
    int64_t current_bgsave_time_sec = -1;
    uint64_t saves = 0;
  };
  // INFO persistence (replaces the built-in section): ServerContext::AddInfoSection(
  //   {"persistence", true, [w](ServerContext& s, std::string* o) { w->FillInfo(s, o); }}).
  // Without `rdb` the rdb_* fields say no checkpoint was ever taken.
  void FillInfo(server::ServerContext& server, std::string* out,
                const RdbInfo* rdb = nullptr) const;
  const std::string& path() const { return path_; }

 private:
  struct Waiter {
    uint64_t lsn;
    std::function<void(bool)> cb;
  };

  AofWriter(AofOptions options, storage::Store* store, server::KeyLockTable* locks);
  void AppendLocked(storage::DbIndex db, std::string_view bytes, storage::DbIndex end_db);
  void WriterLoop();
  bool WriteAndSync(std::unique_lock<std::mutex>& lock, bool force_sync);
  void ReleaseWaiters(uint64_t durable_lsn, bool ok);
  void GatherWaiters(std::unique_lock<std::mutex>& lock);
  void EnterDegraded(const Status& st, bool fsync);
  void RewriteMain();
  Status RewriteScan(AofFile& tmp, uint64_t* tmp_size);
  AofPosition PositionLocked() const;
  Status DrainRewriteBuffer(AofFile& tmp, uint64_t* tmp_size);
  void SwitchToRewritten(std::unique_lock<std::mutex>& lock);
  void MaybeAutoRewrite();
  void FinishRewrite(bool ok, const Status& st);

  const AofOptions options_;
  AofIo& io_;
  storage::Store* store_;
  server::KeyLockTable* locks_;
  std::string path_;
  std::string temp_path_;

  std::atomic<bool> enabled_{false};
  std::atomic<bool> accepting_writes_{true};
  std::atomic<AofSync> sync_{AofSync::kEverySec};
  std::atomic<int64_t> auto_rewrite_percentage_;
  std::atomic<uint64_t> auto_rewrite_min_size_;

  // ---- Shared with appenders: guarded by mu_ ----
  mutable std::mutex mu_;
  std::condition_variable wake_;      // the writer thread
  std::condition_variable progress_;  // Flush(), WaitForRewrite(), the rewrite's switch
  std::string buf_;                   // appended, not yet taken by the writer
  uint64_t appended_lsn_ = 0;
  storage::DbIndex last_db_;
  bool writer_idle_ = false;
  bool flush_requested_ = false;
  bool stop_ = false;
  bool main_file_active_ = true;  // false while enabling waits for its first rewrite
  bool rewrite_capture_ = false;  // appends are also copied into rewrite_buf_
  std::string rewrite_buf_;
  storage::DbIndex rewrite_last_db_;
  bool switch_requested_ = false;
  bool switch_done_ = false;
  bool switch_ok_ = false;
  std::unique_ptr<AofFile> switch_file_;  // the rewritten temp file, handed to the writer
  uint64_t switch_file_size_ = 0;
  std::string switch_file_id_;  // its id annotation
  // The main file's identity and the LSN <-> offset mapping: offset = base_offset + (lsn -
  // base_lsn) for every record appended to it.
  std::string aof_id_;
  uint64_t file_base_lsn_ = 0;
  uint64_t file_base_offset_ = 0;
  // Checkpoint capture.
  std::atomic<bool> ckpt_capture_on_{false};  // mirrors ckpt_capture_ for the lock-free check
  bool ckpt_capture_ = false;
  bool ckpt_cancel_ = false;
  std::string ckpt_buf_;
  bool rewrite_running_ = false;
  bool rewrite_cancel_ = false;
  bool rewrite_scheduled_ = false;
  int64_t rewrite_start_ms_ = 0;
  std::thread rewrite_thread_;
  std::vector<Waiter> waiters_;
  // Group commit under `always`: while the writer gathers (GatherWaiters), the waiter count that
  // wakes it early; 0 when not gathering.
  size_t gather_target_ = 0;
  size_t last_released_ = 0;  // waiters the last fsync released
  std::vector<std::pair<storage::ValueType, RecordEmitter>> emitters_;
  SyncDurationHook sync_hook_;

  // ---- Writer thread state (read by Stats under mu_ where noted) ----
  std::unique_ptr<AofFile> file_;
  std::string pending_;           // bytes from file offset synced_size_ on, not yet fsynced
  size_t pending_written_ = 0;    // how many of them are written
  uint64_t pending_end_lsn_ = 0;  // LSN of the end of pending_
  uint64_t synced_size_ = 0;
  std::atomic<uint64_t> file_size_{0};
  std::atomic<uint64_t> base_size_{0};
  std::atomic<uint64_t> written_lsn_{0};
  std::atomic<uint64_t> synced_lsn_{0};
  int64_t last_fsync_ms_ = 0;
  bool dirty_since_sync_ = false;
  bool degraded_ = false;
  int64_t next_retry_ms_ = 0;
  int64_t last_error_log_ms_ = 0;
  std::atomic<bool> fsync_running_{false};
  int64_t last_fsync_us_ = 0;  // how long the last fsync took

  // ---- Counters ----
  std::atomic<uint64_t> write_errors_{0};
  std::atomic<uint64_t> fsync_errors_{0};
  std::atomic<uint64_t> fsyncs_{0};
  std::atomic<uint64_t> delayed_fsync_{0};
  std::atomic<uint64_t> rewrites_{0};
  std::atomic<uint64_t> rewrite_failures_in_a_row_{0};
  std::atomic<bool> last_rewrite_ok_{true};
  std::atomic<int64_t> last_rewrite_time_sec_{-1};

  std::thread writer_;
  bool shut_down_ = false;
};

// The BGREWRITEAOF handler's body: the reply text, or the error to send.
Result<std::string> BgRewriteAofCommand(AofWriter& writer);

}  // namespace ferrite::persistence
