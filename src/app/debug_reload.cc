#include "app/debug_reload.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/blocking_waiter.h"
#include "base/log.h"
#include "persistence/recovery.h"
#include "resp/reply_builder.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/config/runtime_config.h"
#include "server/key_locks.h"
#include "server/registry/command_registry.h"

namespace ferrite::app {
namespace {

constexpr const char* kTarget = "ferrite::app";
constexpr std::string_view kLoadError = "ERR Error trying to load the RDB dump, check server logs.";

class Reloader {
 public:
  Reloader(server::ServerContext& context, server::Dispatcher& dispatcher,
           persistence::Checkpointer& checkpointer, persistence::AofWriter& aof,
           const server::config::Config& config)
      : context_(context),
        locks_(dispatcher.key_locks()),
        checkpointer_(checkpointer),
        aof_(aof),
        dir_(config.storage.dir),
        aof_path_(config.storage.dir + "/" + config.persistence.aof_filename) {}

  Status Run(storage::StoreSession& session, const server::DebugReloadRequest& request) {
    server::KeyLockGuard all(locks_, {}, /*all=*/!request.save || request.from_aof);
    if (request.save && !request.from_aof) {
      // The guard above took nothing: the checkpointer takes every stripe once no other
      // checkpoint is running (one waiting for a stripe would never finish).
      Status st =
          checkpointer_.SaveHoldingKeyLocks([this] { held_ = std::make_unique<Held>(locks_); });
      if (!st.ok()) {
        held_.reset();
        return Status::Aborted(st.message().starts_with("ERR") ? std::string(st.message())
                                                               : "ERR " + st.ToString());
      }
    }
    Status st = request.from_aof ? LoadAof(session) : LoadNewestCheckpoint(session, request);
    held_.reset();
    return st;
  }

 private:
  // Every stripe, taken on the checkpointer's request and released when the reload ends.
  struct Held {
    explicit Held(server::KeyLockTable& locks) : guard(locks, {}, /*all=*/true) {}
    server::KeyLockGuard guard;
  };

  void FlushAll() {
    (void)context_.store().FlushAll();
    for (storage::DbIndex db = 0; db < context_.store().num_databases(); ++db) {
      context_.watches().TouchDb(db);
    }
  }

  persistence::RecoveryHooks Hooks(storage::StoreSession& session, bool merge) {
    persistence::RecoveryHooks hooks;
    hooks.put = [&session, this, merge](storage::DbIndex db, std::string_view key,
                                        storage::RecordBuilder& rec) -> Status {
      if (!merge && Exists(session, db, key)) {
        return Status::Aborted("the checkpoint holds key '" + std::string(key) +
                               "', which already exists (use MERGE)");
      }
      return UpsertResident(session, waiter_, db, key, rec);
    };
    hooks.apply = [&session, this](storage::DbIndex db, std::span<const std::string_view> argv) {
      return Replay(session, db, argv);
    };
    return hooks;
  }

  bool Exists(storage::StoreSession& session, storage::DbIndex db, std::string_view key) {
    session.Protect();
    Status st = session.Read(db, key, [](const storage::RecordView&) {});
    session.Unprotect();
    return st.ok() || st.IsPending();
  }

  // Runs one captured or logged command by its handler (every stripe is held already).
  Status Replay(storage::StoreSession& session, storage::DbIndex db,
                std::span<const std::string_view> argv) {
    const server::CommandRegistry& registry = context_.registry();
    const server::CommandSpec* spec = registry.Find(argv[0]);
    if (spec != nullptr && !spec->subcommands.empty() && argv.size() >= 2) {
      spec = registry.FindSubcommand(*spec, argv[1]);
    }
    if (spec == nullptr || spec->handler == nullptr) return Status::Ok();
    if (spec->name == "multi" || spec->name == "exec" || spec->name == "discard") {
      return Status::Ok();
    }
    std::vector<int> positions;
    std::vector<std::string_view> keys;
    if (registry.GetKeys(*spec, argv, &positions)) {
      for (int p : positions) keys.push_back(argv[p]);
    }
    client_.db = db;
    for (int attempt = 0; attempt < 16; ++attempt) {
      if (!keys.empty() && !session.EnsureResident(db, keys, &waiter_)) waiter_.Wait();
      scratch_.clear();
      server::CommandContext ctx(argv, *spec, reply_, client_, session, context_);
      session.Protect();
      spec->handler(ctx);
      session.Unprotect();
      if (!ctx.pending()) break;
    }
    return Status::Ok();  // reply-level errors replay as they first ran, as at startup
  }

  Status LoadNewestCheckpoint(storage::StoreSession& session,
                              const server::DebugReloadRequest& request) {
    auto checkpoints = persistence::ListCheckpoints(dir_);
    if (checkpoints.empty()) {
      FERRITE_WARN(kTarget, "DEBUG RELOAD: no checkpoint in {}", dir_);
      return Status::Aborted(std::string(kLoadError));
    }
    const std::string& path = checkpoints.front().second;
    persistence::RecoveryReport report;
    if (!request.flush && !request.merge) {
      // Nothing may be loaded when a key collides, so look before loading.
      persistence::RecoveryHooks probe = Hooks(session, /*merge=*/false);
      probe.put = [&](storage::DbIndex db, std::string_view key, storage::RecordBuilder&) {
        return Exists(session, db, key)
                   ? Status::Aborted("duplicated key '" + std::string(key) + "'")
                   : Status::Ok();
      };
      probe.apply = [](storage::DbIndex, std::span<const std::string_view>) {
        return Status::Ok();
      };
      Status st = persistence::LoadCheckpoint(persistence::PosixIo(), path, probe, context_.NowMs(),
                                              &report);
      if (!st.ok()) {
        FERRITE_WARN(kTarget, "DEBUG RELOAD NOFLUSH: {}", st.ToString());
        return Status::Aborted(std::string(kLoadError));
      }
      report = {};
    }
    if (request.flush) FlushAll();
    Status st = persistence::LoadCheckpoint(persistence::PosixIo(), path,
                                            Hooks(session, request.merge || request.flush),
                                            context_.NowMs(), &report);
    if (!st.ok()) {
      FERRITE_WARN(kTarget, "DEBUG RELOAD: loading {}: {}", path, st.ToString());
      return Status::Aborted(std::string(kLoadError));
    }
    FERRITE_INFO(kTarget, "DB reloaded by DEBUG RELOAD from {}: {} keys", path, report.keys_loaded);
    return Status::Ok();
  }

  Status LoadAof(storage::StoreSession& session) {
    const bool aof_on =
        context_.runtime_config_if_set() != nullptr && context_.runtime_config().appendonly();
    if (aof_on) {
      aof_.WaitForRewrite();
      Status st = aof_.Flush();
      if (!st.ok()) return Status::Aborted("ERR flushing the append only file: " + st.ToString());
    }
    FlushAll();
    persistence::RecoveryOptions options;
    options.dir = dir_;
    options.aof_enabled = aof_on;
    options.aof_path = aof_path_;
    options.clock = context_.clock();
    options.remove_temp_checkpoints = false;
    persistence::RecoveryReport report;
    Status st = persistence::Recover(options, Hooks(session, /*merge=*/true), &report);
    if (!st.ok()) {
      FERRITE_ERROR(kTarget, "DEBUG LOADAOF: {}", st.ToString());
      return Status::Aborted("ERR loading the append only file: " + st.ToString());
    }
    FERRITE_INFO(kTarget, "Append Only File loaded by DEBUG LOADAOF ({} commands)",
                 report.aof.commands);
    return Status::Ok();
  }

  server::ServerContext& context_;
  server::KeyLockTable& locks_;
  persistence::Checkpointer& checkpointer_;
  persistence::AofWriter& aof_;
  const std::string dir_;
  const std::string aof_path_;
  std::unique_ptr<Held> held_;
  BlockingWaiter waiter_;
  server::ClientSession client_;
  std::string scratch_;
  resp::ReplyBuilder reply_{&scratch_, 2};
};

}  // namespace

void InstallDebugReload(server::ServerContext& context, server::Dispatcher& dispatcher,
                        persistence::Checkpointer& checkpointer, persistence::AofWriter& aof,
                        const server::config::Config& config) {
  auto reloader = std::make_shared<Reloader>(context, dispatcher, checkpointer, aof, config);
  // One reload at a time: the reloader's scratch state is shared, and two reloads would only
  // wait for each other's stripes anyway.
  auto mu = std::make_shared<std::mutex>();
  context.debug_reload = [reloader, mu](storage::StoreSession& session,
                                        const server::DebugReloadRequest& request) {
    std::lock_guard lock(*mu);
    return reloader->Run(session, request);
  };
}

}  // namespace ferrite::app
