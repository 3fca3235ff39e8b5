#include "app/persistence_commands.h"

#include <atomic>

#include "persistence/aof_writer.h"
#include "server/command_context.h"

namespace ferrite::app {
namespace {

std::atomic<persistence::AofWriter*> g_writer{nullptr};

void BgRewriteAof(server::CommandContext& ctx) {
  persistence::AofWriter* writer = g_writer.load(std::memory_order_acquire);
  if (writer == nullptr) return ctx.reply.Error("ERR the append-only file is not available");
  auto started = persistence::BgRewriteAofCommand(*writer);
  if (!started) return ctx.reply.Error(started.error().message());
  ctx.reply.SimpleString(*started);
}

constexpr commands::CommandBinding kBindings[] = {{"bgrewriteaof", BgRewriteAof}};

}  // namespace

void SetBgRewriteAofTarget(persistence::AofWriter* writer) {
  g_writer.store(writer, std::memory_order_release);
}

std::span<const commands::CommandBinding> PersistenceFamily() { return kBindings; }

}  // namespace ferrite::app
