#pragma once
// MemoryStore: a plain in-memory Store used until the HybridLog engine lands behind the same
// interface (the Foundation issue allows it; it is deleted then). Sharded hash maps under
// mutexes; nothing ever goes to disk, so EnsureResident always answers true.
//
// Thread safety: all methods are safe from any thread.

#include <memory>

#include "storage/store.h"

namespace ferrite::storage {

std::unique_ptr<Store> NewMemoryStore(DbIndex databases, ClockFn clock = SystemClockMs);

}  // namespace ferrite::storage
