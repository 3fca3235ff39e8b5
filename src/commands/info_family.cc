// Server administration: INFO SHUTDOWN MEMORY.

#include <malloc.h>

#include <string>

#include "base/string_util.h"
#include "commands/families.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/info.h"
#include "server/server_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
namespace errors = resp::errors;
using ferrite::EqualsIgnoreCase;

void Info(CommandContext& ctx) {
  std::string text = server::GenerateInfo(ctx.server, ctx.argv.subspan(1));
  ctx.reply.Verbatim("txt", text);
}

void Shutdown(CommandContext& ctx) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.argv[i];
    if (EqualsIgnoreCase(opt, "abort")) {
      if (ctx.argc() != 2) return ctx.reply.Error(errors::kSyntax);
      return ctx.reply.Error("ERR No shutdown in progress.");
    }
    if (!EqualsIgnoreCase(opt, "nosave") && !EqualsIgnoreCase(opt, "save") &&
        !EqualsIgnoreCase(opt, "now") && !EqualsIgnoreCase(opt, "force")) {
      return ctx.reply.Error(errors::kSyntax);
    }
  }
  using Save = server::ServerContext::ShutdownSave;
  Save save = Save::kConfigured;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.argv[i], "nosave")) save = Save::kNoSave;
    if (EqualsIgnoreCase(ctx.argv[i], "save")) save = Save::kSave;
  }
  ctx.server.shutdown_save.store(save, std::memory_order_relaxed);
  // Like Redis, a successful SHUTDOWN sends no reply: the connection just closes.
  ctx.client.close_after_reply = true;
  ctx.server.RequestShutdown();
}

// MEMORY USAGE key [SAMPLES count]: the bytes the key costs the engine: its log record (header,
// key, value bytes) plus, for a collection, the object's MemoryUsage(). All elements are always
// counted, so SAMPLES is validated and otherwise has no effect.
void MemoryUsage(CommandContext& ctx) {
  if (ctx.argc() != 3 && !(ctx.argc() == 5 && EqualsIgnoreCase(ctx.argv[3], "samples"))) {
    return ctx.reply.Error(errors::kSyntax);
  }
  if (ctx.argc() == 5) {
    int64_t samples;
    if (!String2ll(ctx.argv[4], &samples)) return ctx.reply.Error(errors::kNotInteger);
    if (samples < 0) return ctx.reply.Error(errors::kSyntax);
  }
  constexpr uint64_t kRecordHeader = 40;  // hlog/log_record.h
  uint64_t bytes = 0;
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[2], [&](const storage::RecordView& r) {
    bytes = kRecordHeader + ctx.argv[2].size() +
            (r.object != nullptr ? r.object->MemoryUsage() : r.value.size());
  });
  if (st.IsPending()) return ctx.SetPending();
  if (!st.ok()) return ctx.reply.Null();
  ctx.reply.Integer(static_cast<int64_t>(bytes));
}

void MemoryDoctor(CommandContext& ctx) {
  ctx.reply.Bulk(
      "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
      "occurs on this base.");
}

void MemoryMallocStats(CommandContext& ctx) {
  ctx.reply.Bulk("Stats not supported for the current allocator");
}

void MemoryPurge(CommandContext& ctx) {
  malloc_trim(0);  // glibc's equivalent of jemalloc's purge: return free pages to the kernel
  ctx.reply.Ok();
}

void MemoryHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.SimpleString(line);
}

constexpr CommandBinding kBindings[] = {
    {"memory|usage", MemoryUsage},
    {"memory|doctor", MemoryDoctor},
    {"memory|malloc-stats", MemoryMallocStats},
    {"memory|purge", MemoryPurge},
    {"memory|help", MemoryHelp},
    {"info", Info},
    {"shutdown", Shutdown},
};

}  // namespace

std::span<const CommandBinding> InfoFamily() { return kBindings; }

}  // namespace ferrite::commands
