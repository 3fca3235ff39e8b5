#pragma once
// MemoryStore: a plain map-based Store, a test double for layers that need a Store but not the
// engine (AOF writer and rewrite tests, metrics sources). The server always runs on the
// HybridLog; this library (ferrite_memory_store) is linked only into tests. Sharded hash maps
// under mutexes; nothing ever goes to disk, so EnsureResident always answers true. Collections
// are owned StoredObjects (store.h); Rmw always takes the CopyUpdate path, on a clone, and an
// emptied collection deletes its key, as in the engine.
//
// Thread safety: all methods are safe from any thread.

#include <memory>

#include "storage/store.h"

namespace ferrite::storage {

std::unique_ptr<Store> NewMemoryStore(DbIndex databases, ClockFn clock = SystemClockMs);

}  // namespace ferrite::storage
