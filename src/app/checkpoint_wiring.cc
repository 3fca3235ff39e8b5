#include "app/checkpoint_wiring.h"

#include <memory>
#include <string>

#include "app/blocking_waiter.h"
#include "base/log.h"
#include "resp/reply_builder.h"
#include "server/client_session.h"

namespace ferrite::app {

namespace {

constexpr const char* kTarget = "ferrite::app";

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
    return UpsertResident(*session, waiter, db, key, rec);
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
