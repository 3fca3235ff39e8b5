#pragma once
// DEBUG RELOAD and DEBUG LOADAOF (ServerContext::debug_reload), built on checkpoints.
//
// RELOAD takes every KeyLockTable stripe, so no command reads or changes a key until it is done;
// then, unless NOSAVE, takes a checkpoint (Checkpointer::SaveHoldingKeyLocks, so the saved data
// is exactly the data about to be dropped); then, unless NOFLUSH, empties every database; then
// loads the newest checkpoint. With NOFLUSH but not MERGE, a checkpoint key that already exists
// fails the reload before anything is loaded (Redis stops with "duplicated key" there). LOADAOF
// does the same with what a restart would load (the newest checkpoint the AOF continues, then
// the AOF), after flushing the AOF. Loading writes nothing to the AOF: the data set is the one
// the AOF already describes (except after NOSAVE/NOFLUSH, which load older or extra data, as in
// Redis).
//
// Commands captured in a checkpoint, and the AOF, are replayed by calling each command's handler
// directly (every stripe is already held, so the dispatcher, which locks, cannot be used);
// MULTI/EXEC markers are skipped, the whole load being atomic anyway.
//
// Thread safety: the installed function runs on the event loop of the client that asked.

#include "persistence/aof_writer.h"
#include "persistence/checkpointer.h"
#include "server/config/config.h"
#include "server/dispatcher.h"
#include "server/server_context.h"

namespace ferrite::app {

// Sets context.debug_reload. Every argument must outlive serving.
void InstallDebugReload(server::ServerContext& context, server::Dispatcher& dispatcher,
                        persistence::Checkpointer& checkpointer, persistence::AofWriter& aof,
                        const server::config::Config& config);

}  // namespace ferrite::app
