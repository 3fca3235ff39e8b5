#include "server/dispatcher.h"

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/string_util.h"
#include "resp/errors.h"
#include "server/command_context.h"
#include "server/registry/command_registry.h"
#include "telemetry/api/command_trace.h"

namespace ferrite::server {

namespace {

// The span's result attribute: "OK"/"PONG" for status replies, "NIL" for nulls, the error code
// for errors, and the reply's RESP type otherwise. Low cardinality by construction.
void RecordResult(telemetry::CommandTrace& trace, std::string_view reply, bool failed) {
  std::string_view first_line = reply.substr(0, reply.find('\r'));
  if (failed && !first_line.empty() && first_line[0] == '-') {
    return trace.SetError(first_line.substr(1));
  }
  if (failed) return trace.SetResult("ERR");
  if (first_line.empty()) return trace.SetResult("NONE");
  switch (first_line[0]) {
    case '+': return trace.SetResult(first_line.substr(1, 15));
    case '_': return trace.SetResult("NIL");
    case '$': return trace.SetResult(first_line == "$-1" ? "NIL" : "BULK");
    case '*': return trace.SetResult(first_line == "*-1" ? "NIL" : "ARRAY");
    case ':': return trace.SetResult("INTEGER");
    default: return trace.SetResult("OK");
  }
}

bool ArityOk(int arity, size_t argc) {
  return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

}  // namespace

DispatchOutcome Dispatcher::Dispatch(ClientSession& client, std::span<const std::string_view> argv,
                                     resp::ReplyBuilder& reply, storage::StoreSession& store,
                                     storage::ResidencyWaiter* waiter) {
  ThreadStats& stats = server_.stats().Local();
  const CommandRegistry& registry = server_.registry();
  const uint64_t errors_before = reply.errors_written();
  auto count_error = [&] { server_.stats().CountError(reply.last_error_code()); };

  // A '|' never names a command from the wire ("config|get" is not CONFIG GET), as in Redis.
  const CommandSpec* spec =
      argv[0].find('|') == std::string_view::npos ? registry.Find(argv[0]) : nullptr;
  if (spec == nullptr || !CommandRegistry::IsImplemented(*spec)) {
    reply.Error(resp::errors::UnknownCommand(argv[0], argv.data() + 1, argv.size() - 1));
    count_error();
    return DispatchOutcome::kDone;
  }
  if (!spec->subcommands.empty()) {
    if (argv.size() < 2) {
      reply.Error(resp::errors::WrongArity(spec->name));
      count_error();
      return DispatchOutcome::kDone;
    }
    const CommandSpec* sub = registry.FindSubcommand(*spec, argv[1]);
    if (sub == nullptr || sub->handler == nullptr) {
      reply.Error(resp::errors::UnknownSubcommand(argv[1], AsciiUpper(spec->name)));
      count_error();
      return DispatchOutcome::kDone;
    }
    spec = sub;
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

  // Keys: positions from the registry's key specs. Commands with malformed key arguments (a bad
  // numkeys) get no keys here and report the error themselves.
  thread_local std::vector<int> key_positions;
  thread_local std::vector<std::string_view> keys;
  key_positions.clear();
  keys.clear();
  if (spec->first_key != 0 || spec->HasFlag(kCmdMovableKeys)) {
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
  const int64_t start_us = MonotonicUs();
  for (int attempt = 0;; ++attempt) {
    if (!keys.empty() && !store.EnsureResident(client.db, keys, waiter)) {
      return DispatchOutcome::kPending;
    }
    CommandContext ctx(argv, *spec, reply, client, store, server_);
    {
      KeyLockGuard guard(locks_, keys, spec->HasFlag(kCmdTouchesArbitraryKeys) && keys.empty());
      store.Protect();
      {
        telemetry::ActiveTraceScope active(trace);
        spec->handler(ctx);
      }
      store.Unprotect();
      if (!ctx.pending() && ctx.dirty() > 0) {
        server_.dirty.fetch_add(ctx.dirty(), std::memory_order_relaxed);
        if (sink_ != nullptr) {
          if (ctx.rewritten().empty()) {
            sink_->Propagate(client.db, argv);
          } else {
            thread_local std::vector<std::string_view> views;
            for (const auto& command : ctx.rewritten()) {
              views.assign(command.begin(), command.end());
              sink_->Propagate(client.db, views);
            }
          }
        }
      }
    }
    if (!ctx.pending()) break;
    out->resize(reply_start);  // discard a partial reply; run again once resident
    if (attempt > 16) {
      reply.Error("ERR storage is evicting records faster than they can be read; retry");
      break;
    }
  }

  counters.calls.Add();
  counters.usec.Add(static_cast<uint64_t>(MonotonicUs() - start_us));
  stats.commands_processed.Add();
  client.commands_processed.store(client.commands_processed.load(std::memory_order_relaxed) + 1,
                                  std::memory_order_relaxed);
  trace.Stamp(telemetry::Step::kExecute);
  const bool failed = reply.errors_written() != errors_before;
  if (failed) {
    counters.failed_calls.Add();
    count_error();
  }
  if (trace.sampled()) RecordResult(trace, std::string_view(*out).substr(reply_start), failed);
  trace.Stamp(telemetry::Step::kResponseSerialize);
  return DispatchOutcome::kDone;
}

}  // namespace ferrite::server
