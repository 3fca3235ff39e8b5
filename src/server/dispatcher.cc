#include "server/dispatcher.h"

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/string_util.h"
#include "resp/errors.h"
#include "server/command_context.h"
#include "server/pubsub.h"
#include "server/registry/command_registry.h"
#include "server/slowlog.h"
#include "telemetry/api/command_trace.h"
#include "telemetry/metrics/metrics.h"

namespace ferrite::server {

namespace {

// Commands that act on the transaction itself rather than being queued by MULTI.
bool IsTransactionControl(const CommandSpec& spec) {
  std::string_view n = spec.name;
  return n == "exec" || n == "discard" || n == "multi" || n == "watch" || n == "quit" ||
         n == "reset";
}

bool ArityOk(int arity, size_t argc) {
  return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

// Redis's list for RESP2 clients in subscribed mode.
bool AllowedWhileSubscribed(const CommandSpec& spec) {
  static constexpr std::string_view kAllowed[] = {"ping",         "subscribe",    "ssubscribe",
                                                  "unsubscribe",  "sunsubscribe", "psubscribe",
                                                  "punsubscribe", "quit",         "reset"};
  for (std::string_view n : kAllowed) {
    if (spec.name == n) return true;
  }
  return false;
}

// PING of a RESP2 subscriber: a two-element array, so it can be told apart from messages.
void SubscribedPing(CommandContext& ctx) {
  if (ctx.argc() > 2) return ctx.reply.Error(resp::errors::WrongArity("ping"));
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk("pong");
  ctx.reply.Bulk(ctx.argc() == 2 ? ctx.argv[1] : std::string_view());
}

// The timeout reply of the list and sorted-set commands, for a handler that asked to block
// where it may not (it should have answered as on a timeout itself).
void FallbackTimeoutReply(CommandContext& ctx) { ctx.reply.NullArray(); }

bool KeyExists(storage::StoreSession& store, storage::DbIndex db, std::string_view key) {
  Status st = store.Read(db, key, [](const storage::RecordView&) {});
  return st.ok() || st.IsPending();
}

}  // namespace

DispatchOutcome Dispatcher::Dispatch(ClientSession& client, std::span<const std::string_view> argv,
                                     resp::ReplyBuilder& reply, storage::StoreSession& store,
                                     storage::ResidencyWaiter* waiter) {
  ThreadStats& stats = server_.stats().Local();
  const CommandRegistry& registry = server_.registry();
  const uint64_t errors_before = reply.errors_written();
  // A command refused before it runs (unknown, bad arity) also dooms an open transaction.
  auto count_error = [&] {
    server_.stats().CountError(reply.last_error_code());
    if (client.tx.in_multi) client.tx.queue_error = true;
  };

  // A '|' never names a command from the wire ("config|get" is not CONFIG GET), as in Redis.
  const CommandSpec* spec =
      argv[0].find('|') == std::string_view::npos ? registry.Find(argv[0]) : nullptr;
  if (spec == nullptr || !CommandRegistry::IsImplemented(*spec)) {
    reply.Error(resp::errors::UnknownCommand(argv[0], argv.data() + 1, argv.size() - 1));
    count_error();
    telemetry::metrics::RecordCommand(telemetry::metrics::kUnknownCommandId, 0, nullptr);
    return DispatchOutcome::kDone;
  }
  // A container with a subcommand runs the subcommand; alone, it runs itself if it can (COMMAND
  // lists every command) and otherwise fails arity, as in Redis.
  if (!spec->subcommands.empty() && argv.size() >= 2) {
    const CommandSpec* sub = registry.FindSubcommand(*spec, argv[1]);
    if (sub == nullptr || sub->handler == nullptr) {
      reply.Error(resp::errors::UnknownSubcommand(argv[1], AsciiUpper(spec->name)));
      count_error();
      return DispatchOutcome::kDone;
    }
    spec = sub;
  }
  if (spec->handler == nullptr) {
    reply.Error(resp::errors::WrongArity(spec->name));
    count_error();
    return DispatchOutcome::kDone;
  }
  CommandCounters& counters = stats.commands[spec->id < kMaxCommandIds ? spec->id : 0];
  telemetry::CommandTrace& trace = client.trace;
  trace.Stamp(telemetry::Step::kDispatch);
  if (!ArityOk(spec->arity, argv.size())) {
    reply.Error(resp::errors::WrongArity(spec->name));
    counters.rejected_calls.Add();
    count_error();
    return DispatchOutcome::kDone;
  }

  CommandHandler handler = spec->handler;
  if (client.pubsub.total() > 0) [[unlikely]] {
    if (client.protocol == 2) {
      if (!AllowedWhileSubscribed(*spec)) {
        reply.Error("ERR Can't execute '" + std::string(spec->name) +
                    "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed "
                    "in this context");
        counters.rejected_calls.Add();
        count_error();
        return DispatchOutcome::kDone;
      }
      if (spec->name == "ping") handler = SubscribedPing;
    }
    if (spec->name == "reset") UnsubscribeAll(server_.pubsub(), client);
  }

  // A failing AOF refuses writes (Redis's MISCONF) while reads go on.
  if (spec->IsWrite() && sink_ != nullptr && !sink_->AcceptingWrites() && !client.tx.in_multi) {
    reply.Error(resp::errors::kMisconf);
    counters.rejected_calls.Add();
    count_error();
    return DispatchOutcome::kDone;
  }

  // Inside MULTI every command but the transaction controls is queued, not run.
  if (client.tx.in_multi && !IsTransactionControl(*spec)) {
    if (spec->HasFlag(kCmdNoMulti)) {
      reply.Error("ERR Command not allowed inside a transaction");
      client.tx.queue_error = true;
      count_error();
      return DispatchOutcome::kDone;
    }
    client.tx.queued.push_back(QueuedCommand{spec, {argv.begin(), argv.end()}});
    reply.SimpleString("QUEUED");
    return DispatchOutcome::kDone;
  }

  // Keys: positions from the registry's key specs. Commands with malformed key arguments (a bad
  // numkeys) get no keys here and report the error themselves.
  thread_local std::vector<int> key_positions;
  thread_local std::vector<std::string_view> keys;
  key_positions.clear();
  keys.clear();
  // Shard channels (SPUBLISH, SSUBSCRIBE) sit in key positions but are not keys.
  if ((spec->first_key != 0 || spec->HasFlag(kCmdMovableKeys)) && !spec->HasFlag(kCmdPubSub)) {
    if (registry.GetKeys(*spec, argv, &key_positions)) {
      for (int pos : key_positions) keys.push_back(argv[pos]);
    }
  }

  client.last_command.store(spec, std::memory_order_relaxed);
  if (trace.sampled()) {
    thread_local std::vector<uint16_t> trace_keys;
    trace_keys.clear();
    for (int pos : key_positions) trace_keys.push_back(static_cast<uint16_t>(pos));
    trace.SetCommand(argv, trace_keys, CanonicalName(*spec));
  }
  std::string* out = reply.buffer();
  const size_t reply_start = out->size();
  // A parked command's duration runs from its first attempt, so it includes the wait (Redis 7.0
  // counts only execution time: see docs/compatibility.md).
  const int64_t start_ns = client.block.start_ns != 0 ? client.block.start_ns : MonotonicNs();
  for (int attempt = 0;; ++attempt) {
    if (!keys.empty() && !store.EnsureResident(client.db, keys, waiter)) {
      return DispatchOutcome::kPending;
    }
    CommandContext ctx(argv, *spec, reply, client, store, server_);
    ctx.waiter = waiter;
    ctx.can_block = client.blocker != nullptr;
    ctx.timed_out = client.block.timed_out;
    bool parked = false;
    {
      KeyLockGuard guard(locks_, keys, spec->HasFlag(kCmdTouchesArbitraryKeys) && keys.empty());
      {
        // Active before Protect(), so the epoch step is recorded as part of the command
        // (storage/traced_session.h).
        telemetry::ActiveTraceScope active(trace);
        store.Protect();
        CommandLogScope log_context(trace);
        handler(ctx);
      }
      if (!ctx.pending() && (ctx.block_requested() || client.block.registered)) [[unlikely]] {
        parked = SettleBlocking(ctx, store, start_ns);
      }
      store.Unprotect();
      if (!ctx.pending() && ctx.dirty() > 0) AfterWrite(ctx, keys, nullptr);
    }
    if (!ctx.pending() && !ctx.ready_keys().empty()) {
      server_.blocking().SignalReady(client.db, ctx.ready_keys());
    }
    if (!ctx.pending() && !ctx.ready_dbs().empty()) [[unlikely]] {
      for (storage::DbIndex db : ctx.ready_dbs()) server_.blocking().SignalDatabase(db);
    }
    if (parked) {
      out->resize(reply_start);  // a blocked command answers when it is served
      return DispatchOutcome::kBlocked;
    }
    if (ctx.waiting()) return DispatchOutcome::kPending;
    if (!ctx.pending()) break;
    out->resize(reply_start);  // discard a partial reply; run again once resident
    if (attempt > 16) {
      reply.Error("ERR storage is evicting records faster than they can be read; retry");
      break;
    }
  }

  const uint64_t elapsed_ns = static_cast<uint64_t>(MonotonicNs() - start_ns);
  const int64_t duration_us = static_cast<int64_t>(elapsed_ns / 1000);
  counters.calls.Add();
  counters.usec.Add(static_cast<uint64_t>(duration_us));
  telemetry::metrics::RecordCommand(spec->id, elapsed_ns, trace);
  stats.commands_processed.Add();
  client.commands_processed.store(client.commands_processed.load(std::memory_order_relaxed) + 1,
                                  std::memory_order_relaxed);
  trace.Stamp(telemetry::Step::kExecute);
  const bool failed = reply.errors_written() != errors_before;
  if (failed) {
    counters.failed_calls.Add();
    server_.stats().CountError(reply.last_error_code());
  }
  const std::string_view reply_bytes = std::string_view(*out).substr(reply_start);
  if (trace.sampled()) {
    if (failed && !reply_bytes.empty() && reply_bytes[0] == '-') {
      trace.SetError(reply_bytes.substr(1, reply_bytes.find('\r') - 1));
    } else {
      trace.SetResult(CommandResult(reply_bytes, failed));
    }
  }
  if (server_.runtime_config_if_set() != nullptr) {
    LogCommand(server_,
               CommandLogArgs{*spec, client, argv, keys.empty() ? std::string_view() : keys[0],
                              duration_us, reply_bytes, failed, trace.context()});
  }
  trace.Stamp(telemetry::Step::kResponseSerialize);
  if (client.block.start_ns != 0) client.block = ClientBlockState{};
  return DispatchOutcome::kDone;
}

void Dispatcher::FailBlocked(ClientSession& client, resp::ReplyBuilder& reply) {
  reply.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
  server_.stats().CountError(reply.last_error_code());
  if (const CommandSpec* spec = client.last_command.load(std::memory_order_relaxed)) {
    CommandCounters& counters =
        server_.stats().Local().commands[spec->id < kMaxCommandIds ? spec->id : 0];
    const int64_t elapsed_ns = MonotonicNs() - client.block.start_ns;
    counters.calls.Add();
    counters.failed_calls.Add();
    counters.usec.Add(static_cast<uint64_t>(elapsed_ns / 1000));
    telemetry::metrics::RecordCommand(spec->id, static_cast<uint64_t>(elapsed_ns), client.trace);
  }
  client.block = ClientBlockState{};
}

bool Dispatcher::SettleBlocking(CommandContext& ctx, storage::StoreSession& store,
                                int64_t start_ns) {
  ClientSession& client = ctx.client;
  ClientBlockState& b = client.block;
  BlockingRegistry& registry = server_.blocking();
  if (ctx.block_requested()) {
    if (!ctx.can_block || ctx.timed_out) {
      // A handler must not block here; answer as a timeout rather than hang the client.
      FallbackTimeoutReply(ctx);
      if (b.registered) registry.Unblock(client.blocker.get());
      b.registered = false;
      client.blocked.store(false, std::memory_order_relaxed);
      return false;
    }
    if (b.registered) {
      // Woken but another client was served first: keep the place in the queues.
      if (b.woken) {
        registry.NotServed(client.blocker.get(), b.seq, b.db, b.woken_key,
                           KeyExists(store, b.db, b.woken_key));
      }
      b.woken = false;
      return true;
    }
    b.start_ns = start_ns;
    b.db = client.db;
    b.timeout_ms = ctx.block_timeout_ms();
    b.seq = registry.Block(client.blocker, client.db, ctx.block_keys());
    b.registered = true;
    client.blocked.store(true, std::memory_order_relaxed);
    return true;
  }
  // Served while queued: leave the queues; the next waiter tries the key unless it is gone.
  const bool drained = b.woken && !KeyExists(store, b.db, b.woken_key);
  registry.Unblock(client.blocker.get(), drained ? &b.woken_key : nullptr);
  b.registered = false;
  b.woken = false;
  client.blocked.store(false, std::memory_order_relaxed);
  return false;
}

void Dispatcher::AfterWrite(CommandContext& ctx, std::span<const std::string_view> keys,
                            std::vector<std::vector<std::string>>* deferred) {
  server_.dirty.fetch_add(ctx.dirty(), std::memory_order_relaxed);
  WatchTable& watches = server_.watches();
  if (watches.active_watchers.load(std::memory_order_acquire) > 0) {
    for (std::string_view k : keys) watches.TouchKey(k);
  }
  if (sink_ == nullptr) return;
  auto emit = [&](std::span<const std::string_view> command) {
    if (deferred) {
      deferred->emplace_back(command.begin(), command.end());
    } else {
      sink_->Propagate(ctx.client.db, command);
    }
  };
  if (ctx.rewritten().empty()) return emit(ctx.argv);
  std::vector<std::string_view> views;
  for (const auto& command : ctx.rewritten()) {
    views.assign(command.begin(), command.end());
    emit(views);
  }
}

void Dispatcher::Watch(CommandContext& ctx) {
  ClientSession& client = ctx.client;
  if (client.tx.in_multi) return ctx.reply.Error("ERR WATCH inside MULTI is not allowed");
  std::span<const std::string_view> keys = ctx.argv.subspan(1);
  if (!ctx.store.EnsureResident(client.db, keys, ctx.waiter)) return ctx.SetWaiting();
  // The dispatcher holds these keys' locks while WATCH runs, so a writer either finished before
  // (and its write is what we record) or sees active_watchers > 0 and bumps the version.
  WatchTable& watches = server_.watches();
  if (client.tx.watched.empty()) watches.active_watchers.fetch_add(1, std::memory_order_acq_rel);
  for (std::string_view key : keys) {
    bool existed = false;
    Status st = ctx.store.Read(client.db, key, [&](const storage::RecordView&) { existed = true; });
    if (st.IsPending()) existed = true;  // on disk means it exists
    client.tx.watched.push_back(WatchedKey{client.db, std::string(key), watches.KeyVersion(key),
                                           watches.DbGeneration(client.db), existed});
  }
  ctx.reply.Ok();
}

void Dispatcher::Exec(CommandContext& ctx) {
  ClientSession& client = ctx.client;
  TransactionState& tx = client.tx;
  WatchTable& watches = server_.watches();
  if (!tx.in_multi) return ctx.reply.Error(resp::errors::kExecWithoutMulti);
  if (tx.queue_error) {
    ctx.reply.Error(resp::errors::kExecAbort);
    Unwatch(tx, watches);
    return tx.Reset();
  }

  // Every key of every queued command (and of the watched ones), made resident, then locked.
  std::vector<std::vector<std::string_view>> argvs(tx.queued.size());
  std::vector<std::string_view> keys;
  std::vector<std::vector<std::string_view>> command_keys(tx.queued.size());
  std::vector<int> positions;
  for (size_t i = 0; i < tx.queued.size(); ++i) {
    argvs[i].assign(tx.queued[i].argv.begin(), tx.queued[i].argv.end());
    positions.clear();
    if (server_.registry().GetKeys(*tx.queued[i].spec, argvs[i], &positions)) {
      for (int p : positions) command_keys[i].push_back(argvs[i][p]);
    }
    keys.insert(keys.end(), command_keys[i].begin(), command_keys[i].end());
  }
  for (const WatchedKey& w : tx.watched) keys.push_back(w.key);
  if (!keys.empty() && !ctx.store.EnsureResident(client.db, keys, ctx.waiter)) {
    return ctx.SetWaiting();
  }
  bool touches_all = false;
  for (const QueuedCommand& q : tx.queued) {
    touches_all |= q.spec->HasFlag(kCmdTouchesArbitraryKeys) && q.spec->first_key == 0;
  }
  KeyLockGuard guard(locks_, keys, touches_all);

  bool aborted = false;
  for (const WatchedKey& w : tx.watched) {
    bool exists = false;
    Status st = ctx.store.Read(w.db, w.key, [&](const storage::RecordView&) { exists = true; });
    if (st.IsPending()) exists = true;
    bool generation_moved = watches.DbGeneration(w.db) != w.db_generation;
    if (watches.KeyVersion(w.key) != w.version || (w.existed && !exists) ||
        (generation_moved && (w.existed || exists))) {
      aborted = true;
      break;
    }
  }
  Unwatch(tx, watches);
  if (aborted) {
    ctx.reply.NullArray();
    return tx.Reset();
  }

  ThreadStats& stats = server_.stats().Local();
  std::vector<std::vector<std::string>> propagated;
  std::vector<std::pair<storage::DbIndex, std::string>> ready;  // keys to signal after unlocking
  std::vector<storage::DbIndex> ready_dbs;
  ctx.reply.ArrayHeader(tx.queued.size());
  for (size_t i = 0; i < tx.queued.size(); ++i) {
    const CommandSpec& spec = *tx.queued[i].spec;
    uint64_t errors_before = ctx.reply.errors_written();
    CommandContext sub(argvs[i], spec, ctx.reply, client, ctx.store, server_);
    sub.can_block = false;  // blocking commands answer as on a timeout inside MULTI
    const int64_t start_ns = MonotonicNs();
    spec.handler(sub);
    if (!sub.pending()) {
      if (sub.block_requested()) FallbackTimeoutReply(sub);
      for (const std::string& key : sub.ready_keys()) ready.emplace_back(client.db, key);
      ready_dbs.insert(ready_dbs.end(), sub.ready_dbs().begin(), sub.ready_dbs().end());
    }
    if (sub.pending()) {
      // Evicted between EnsureResident and now: report it for this command only.
      ctx.reply.Error("ERR storage is evicting records faster than they can be read; retry");
    }
    CommandCounters& counters = stats.commands[spec.id < kMaxCommandIds ? spec.id : 0];
    const uint64_t elapsed_ns = static_cast<uint64_t>(MonotonicNs() - start_ns);
    counters.calls.Add();
    counters.usec.Add(elapsed_ns / 1000);
    telemetry::metrics::RecordCommand(spec.id, elapsed_ns, nullptr);
    if (ctx.reply.errors_written() != errors_before) {
      counters.failed_calls.Add();
      server_.stats().CountError(ctx.reply.last_error_code());
    }
    if (!sub.pending() && sub.dirty() > 0) AfterWrite(sub, command_keys[i], &propagated);
  }
  tx.Reset();
  guard.Release();
  for (auto& [db, key] : ready)
    server_.blocking().SignalReady(db, std::span<const std::string>(&key, 1));
  for (storage::DbIndex db : ready_dbs) server_.blocking().SignalDatabase(db);
  if (sink_ != nullptr && !propagated.empty()) {
    // Several writes replay atomically only inside MULTI/EXEC, as Redis propagates them.
    static constexpr std::string_view kMulti[] = {"multi"}, kExec[] = {"exec"};
    bool wrap = propagated.size() > 1;
    if (wrap) sink_->Propagate(client.db, kMulti);
    std::vector<std::string_view> views;
    for (const auto& command : propagated) {
      views.assign(command.begin(), command.end());
      sink_->Propagate(client.db, views);
    }
    if (wrap) sink_->Propagate(client.db, kExec);
  }
}

}  // namespace ferrite::server
