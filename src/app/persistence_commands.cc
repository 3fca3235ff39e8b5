#include "app/persistence_commands.h"

#include <atomic>
#include <string>

#include "base/string_util.h"
#include "persistence/aof_writer.h"
#include "persistence/checkpointer.h"
#include "server/client_session.h"
#include "server/command_context.h"

namespace ferrite::app {
namespace {

std::atomic<persistence::AofWriter*> g_writer{nullptr};
std::atomic<persistence::Checkpointer*> g_checkpointer{nullptr};

void ReplyError(server::CommandContext& ctx, const Status& st) {
  std::string_view m = st.message();
  if (m.starts_with("ERR ")) return ctx.reply.Error(m);
  ctx.reply.Error("ERR " + std::string(m.empty() ? StatusCodeName(st.code()) : m));
}

void BgRewriteAof(server::CommandContext& ctx) {
  persistence::AofWriter* writer = g_writer.load(std::memory_order_acquire);
  if (writer == nullptr) return ctx.reply.Error("ERR the append-only file is not available");
  auto started = persistence::BgRewriteAofCommand(*writer);
  if (!started) return ctx.reply.Error(started.error().message());
  ctx.reply.SimpleString(*started);
}

// SAVE: takes a checkpoint and replies once it is on disk. Only this client's event loop waits
// (other threads keep serving); its store session is unprotected meanwhile so the epoch (and
// the checkpoint's own reads) can move on.
void Save(server::CommandContext& ctx) {
  persistence::Checkpointer* c = g_checkpointer.load(std::memory_order_acquire);
  if (c == nullptr) return ctx.reply.Error("ERR checkpoints are not available");
  // Inside EXEC this thread holds the transaction's key stripes, which the checkpoint's scan
  // needs: waiting here would deadlock (Redis also refuses SAVE in MULTI: no_multi).
  if (ctx.client.tx.in_multi) {
    return ctx.reply.Error("ERR Command not allowed inside a transaction");
  }
  ctx.store.Unprotect();
  Status st = c->Save();
  ctx.store.Protect();
  if (!st.ok()) return ReplyError(ctx, st);
  ctx.reply.Ok();
}

void BgSave(server::CommandContext& ctx) {
  persistence::Checkpointer* c = g_checkpointer.load(std::memory_order_acquire);
  if (c == nullptr) return ctx.reply.Error("ERR checkpoints are not available");
  bool schedule = false;
  if (ctx.argc() > 1) {
    if (ctx.argc() != 2 || !EqualsIgnoreCase(ctx.argv[1], "schedule")) {
      return ctx.reply.Error("ERR syntax error");
    }
    schedule = true;
  }
  auto started = c->BgSave(schedule);
  if (!started) return ReplyError(ctx, started.error());
  ctx.reply.SimpleString(*started);
}

void LastSave(server::CommandContext& ctx) {
  persistence::Checkpointer* c = g_checkpointer.load(std::memory_order_acquire);
  if (c == nullptr) return ctx.reply.Error("ERR checkpoints are not available");
  ctx.reply.Integer(c->Stats().last_save_unix);
}

constexpr commands::CommandBinding kBindings[] = {
    {"bgrewriteaof", BgRewriteAof}, {"save", Save}, {"bgsave", BgSave}, {"lastsave", LastSave}};

}  // namespace

void SetBgRewriteAofTarget(persistence::AofWriter* writer) {
  g_writer.store(writer, std::memory_order_release);
}

void SetCheckpointTarget(persistence::Checkpointer* checkpointer) {
  g_checkpointer.store(checkpointer, std::memory_order_release);
}

std::span<const commands::CommandBinding> PersistenceFamily() { return kBindings; }

}  // namespace ferrite::app
