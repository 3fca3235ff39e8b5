#pragma once
// BGREWRITEAOF, SAVE, BGSAVE [SCHEDULE] and LASTSAVE. The command family lives in app/ because it
// needs the AOF writer and the checkpointer, which only the app creates (persistence depends on
// the server layer, not the reverse).
//
// Thread safety: the targets are atomics set once at startup and cleared at shutdown.

#include <span>

#include "commands/families.h"

namespace ferrite::persistence {
class AofWriter;
class Checkpointer;
}  // namespace ferrite::persistence

namespace ferrite::app {

// The writer BGREWRITEAOF acts on; null when none (before startup, after shutdown).
void SetBgRewriteAofTarget(persistence::AofWriter* writer);
// The checkpointer SAVE, BGSAVE and LASTSAVE act on; null when none.
void SetCheckpointTarget(persistence::Checkpointer* checkpointer);
std::span<const commands::CommandBinding> PersistenceFamily();

}  // namespace ferrite::app
