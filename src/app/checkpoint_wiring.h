#pragma once
// Startup recovery and the checkpointer's wiring: loads the newest valid checkpoint and the AOF
// written since (persistence/recovery.h) through the dispatcher, before serving starts.
//
// Thread safety: call from the startup thread.

#include "base/result.h"
#include "persistence/recovery.h"
#include "server/config/config.h"
#include "server/dispatcher.h"
#include "storage/store.h"

namespace ferrite::app {

// Replays with no propagation sink attached, so nothing is appended to the files being read.
Result<persistence::RecoveryReport> RecoverData(const server::config::Config& config,
                                                server::Dispatcher& dispatcher,
                                                storage::Store& store);

}  // namespace ferrite::app
