#pragma once
// MULTI / EXEC / WATCH state.
//
// TransactionState lives in each ClientSession: the queued commands (argv copied, since the
// query buffer moves on) and the watched keys.
//
// WatchTable detects writes to watched keys without tracking watchers: every key hashes onto one
// of 64K version counters, bumped after each write command that changed data (the dispatcher
// does it with the key's lock held), and each database has a generation bumped by FLUSHDB,
// FLUSHALL and SWAPDB. WATCH records the key's version, its database's generation and whether
// the key existed; EXEC aborts if the version moved, if the key existed then and is gone now
// (it expired), or if the generation moved and the key's existence or value may have changed.
// A collision between two keys' counters can only abort a transaction spuriously, never let a
// conflicting one through.
//
// Thread safety: WatchTable is safe from any thread (relaxed atomics are enough: versions are
// read and bumped under the key's stripe lock). TransactionState belongs to its connection.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/store.h"

namespace ferrite::server {

struct CommandSpec;

struct QueuedCommand {
  const CommandSpec* spec;
  std::vector<std::string> argv;
};

struct WatchedKey {
  storage::DbIndex db;
  std::string key;
  uint64_t version;
  uint64_t db_generation;
  bool existed;
};

struct TransactionState {
  bool in_multi = false;
  bool queue_error = false;  // a command failed to queue: EXEC answers EXECABORT
  std::vector<QueuedCommand> queued;
  std::vector<WatchedKey> watched;

  void Reset() {
    in_multi = false;
    queue_error = false;
    queued.clear();
  }
};

class WatchTable {
 public:
  // Writers bump versions only while some client watches keys: WATCH increments this before it
  // locks its keys, writers read it with the key locked, so no write can slip between.
  std::atomic<int64_t> active_watchers{0};

  static constexpr size_t kStripes = 65536;
  static constexpr size_t kMaxDatabases = 256;

  uint64_t KeyVersion(std::string_view key) const;
  void TouchKey(std::string_view key);
  uint64_t DbGeneration(storage::DbIndex db) const {
    return db < kMaxDatabases ? generations_[db].load(std::memory_order_acquire) : 0;
  }
  void TouchDb(storage::DbIndex db) {
    if (db < kMaxDatabases) generations_[db].fetch_add(1, std::memory_order_acq_rel);
  }

 private:
  std::atomic<uint64_t> versions_[kStripes] = {};
  std::atomic<uint64_t> generations_[kMaxDatabases] = {};
};

// Forgets the session's watched keys (EXEC, DISCARD, UNWATCH, RESET, disconnect).
void Unwatch(TransactionState& tx, WatchTable& table);

}  // namespace ferrite::server
