#include "app/checkpoint_wiring.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "base/log.h"
#include "resp/reply_builder.h"
#include "server/client_session.h"

namespace ferrite::app {

namespace {

constexpr const char* kTarget = "ferrite::app";

// Blocks the recovering thread until the store has read a record from disk.
class BlockingWaiter final : public storage::ResidencyWaiter {
 public:
  void OnResident() override {
    std::lock_guard lock(mu_);
    ready_ = true;
    cv_.notify_one();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return ready_; });
    ready_ = false;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false;
};

}  // namespace

Result<persistence::RecoveryReport> RecoverData(const server::config::Config& config,
                                                server::Dispatcher& dispatcher,
                                                storage::Store& store) {
  std::unique_ptr<storage::StoreSession> session = store.NewSession();
  server::ClientSession client;
  std::string scratch;
  resp::ReplyBuilder reply(&scratch, 2);
  BlockingWaiter waiter;

  persistence::RecoveryOptions options;
  options.dir = config.storage.dir;
  options.aof_enabled = config.persistence.aof_enabled;
  options.aof_path = config.storage.dir + "/" + config.persistence.aof_filename;
  persistence::RecoveryHooks hooks;
  // A checkpoint's records: upserted directly (a larger-than-memory data set spills to disk as
  // the store fills, and a key whose old record is on disk is made resident first).
  hooks.put = [&](storage::DbIndex db, std::string_view key, storage::RecordBuilder& rec) {
    for (;;) {
      Status st = session->Upsert(db, key, rec);
      if (!st.IsPending()) return st;
      std::string_view keys[] = {key};
      if (!session->EnsureResident(db, keys, &waiter)) waiter.Wait();
    }
  };
  // Commands (a checkpoint's captured ones, the AOF): through the dispatcher, so every command
  // means exactly what it meant when it first ran.
  hooks.apply = [&](storage::DbIndex db, std::span<const std::string_view> argv) {
    client.db = db;
    scratch.clear();
    while (dispatcher.Dispatch(client, argv, reply, *session, &waiter) ==
           server::DispatchOutcome::kPending) {
      waiter.Wait();
    }
    return Status::Ok();  // reply-level errors replay as they first ran, like Redis
  };
  persistence::RecoveryReport report;
  Status st = persistence::Recover(options, hooks, &report);
  if (!st.ok()) return st;
  if (!report.checkpoint_loaded && !report.aof_replayed) {
    FERRITE_INFO(kTarget, "no checkpoint or append-only file to load: starting empty");
  }
  return report;
}

}  // namespace ferrite::app
