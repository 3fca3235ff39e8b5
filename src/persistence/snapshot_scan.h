#pragma once
// SnapshotScan: reads every live record of every database while the server keeps serving, for
// BGREWRITEAOF and checkpoints.
//
// Keys come from StoreSession::ScanStorageOrder (the HybridLog walks its log oldest first,
// reading the on-disk part sequentially in large chunks), or, when the store has no such scan or
// its log was compacted under it, from StoreSession::Scan database by database. They are handled
// in slices of up to 64: the slice's KeyLockTable stripes are taken, each record is read and
// encoded, and `deliver` is called with the encoded bytes (once per run of keys of one database)
// before the stripes are released. A record the storage-order scan read from disk is encoded from
// that read when IsCurrentVersion says it still is the key's newest (so a larger-than-memory
// snapshot neither reads it again nor copies it to the tail); other keys are made resident
// (EnsureResident) and read. A command on one of those keys therefore runs entirely before the
// read (its effect is in the encoded value) or entirely after `deliver` (so a consumer that
// orders `deliver` with the command stream under one mutex, as the AOF writer does, sees the
// command after the record). Keys created after the scan passed their place are not visited: the
// consumer gets them from the command stream it captured since before the scan. A key may be
// delivered twice (after a fall back to Scan); both consumers replay "last one wins".
//
// It relies on the scans' guarantee that every key present for the whole scan is returned at
// least once (a Store whose Scan misses keys under concurrent writes makes rewrites and checkpoints
// lose them: that was the cause of the lost keys of issue 7, see docs/design/persistence.md).
//
// Thread safety: call from one background thread; the callbacks run on it.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "server/key_locks.h"
#include "storage/store.h"

namespace ferrite::persistence {

// Owning callables (std::function), so a SnapshotCallbacks may be built from temporaries.
struct SnapshotCallbacks {
  // Polled between batches: true stops the scan with Aborted.
  std::function<bool()> cancelled;
  // Encodes one live record into `out` (appending). Runs with the key's stripe held.
  std::function<Status(storage::DbIndex db, std::string_view key, const storage::RecordView& rec,
                       std::string* out)>
      encode;
  // Receives a batch's encoded bytes (possibly empty) with the batch's stripes still held.
  std::function<void(storage::DbIndex db, std::string_view encoded)> deliver;
  // Called after each batch without locks (e.g. to write buffered bytes to a file).
  std::function<Status()> after_batch;
};

Status SnapshotScan(storage::Store& store, server::KeyLockTable& locks,
                    const SnapshotCallbacks& callbacks);

}  // namespace ferrite::persistence
