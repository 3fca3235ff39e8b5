#pragma once
// TracedSession: a StoreSession decorator that records the storage steps of a sampled command
// (docs/telemetry.md, "Spans"): `ferrite.storage.read` / `ferrite.storage.write` with the tier
// the record was found in, cache_hit (found in the mutable region) and the bytes moved, and
// `ferrite.epoch.advance` around epoch protection. The exporter makes them children of
// `ferrite.command.execute`.
//
// Why a decorator: the engine stays free of telemetry, and a command that is not sampled pays
// one thread-local load and a predictable branch per store call (telemetry::ActiveCommandTrace()
// is null or unsampled), with no allocation, lock or syscall, as the command-path rule demands.
//
// Thread safety: as StoreSession: one thread at a time.

#include <memory>

#include "storage/store.h"

namespace ferrite::storage {

// Wraps `inner`; every call is forwarded. Built without the otel feature it adds only the
// forwarding call.
std::unique_ptr<StoreSession> NewTracedSession(std::unique_ptr<StoreSession> inner);

}  // namespace ferrite::storage
