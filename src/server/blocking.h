#pragma once
// BlockingRegistry: clients parked in a blocking command (BLPOP, BZPOPMIN, BLMOVE...), queued
// per (database, key), and the hand-off that serves them first blocked, first served across
// event-loop threads.
//
// How a blocked client is served:
//   1. Its handler found nothing and called ctx.Block(keys, timeout). With the keys' locks still
//      held, the dispatcher calls Block(): the client joins the tail of each key's queue. (Holding
//      the locks is what makes this race-free: a writer that adds to the key afterwards will find
//      the client queued when it signals.)
//   2. A writer's command called ctx.SignalKeyReady(key); after the command the dispatcher calls
//      SignalReady(). Each signalled key hands its *token* to the first client in its queue:
//      OnKeyReady is posted to that client's loop. One token per key is out at a time; a signal
//      that arrives while it is out is remembered (`again`).
//   3. The woken client re-runs its command on its own loop, under the key locks.
//      Served  → it calls Unblock(): it leaves every queue, and the token passes to the next
//                waiter, which tries in turn (more may remain; a waiter that finds nothing stops
//                the walk only when no signal came meanwhile).
//      Not served (another client took the data first) → NotServed(): it keeps its place and
//                the token passes to the waiter behind it (it may wait for something else, e.g.
//                a sorted set where this one waits for a list). At the end of the queue the token
//                goes back to the head only if the key was signalled again meanwhile.
//   4. Timeout, CLIENT UNBLOCK, CLIENT KILL and disconnect all call Unblock(), which passes on
//      any token the client held, so a wake is never lost with a departing client.
// A wake that arrives late (the client was served, timed out or re-blocked since) carries an old
// block sequence number and the client ignores it; the registry has already moved the token on.
//
// Invariants: a client is in the queue of each of its keys exactly once while blocked; a key's
// token holder, if any, is one of its waiters; empty queues are erased.
//
// Thread safety: every method may be called from any thread. One mutex guards the tables; it is
// taken only by blocking commands and by writers while at least one client is blocked
// (SignalReady checks an atomic count first, so LPUSH costs one load when nobody blocks). Posting
// to an event loop happens under the mutex (the loop's task lock is a leaf lock).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/store.h"

namespace ferrite::net {
class EventLoop;
}

namespace ferrite::server {

// The connection side of a blocked client.
class BlockedClient {
 public:
  BlockedClient(net::EventLoop* loop, uint64_t client_id) : loop_(loop), client_id_(client_id) {}
  virtual ~BlockedClient() = default;
  net::EventLoop* loop() const { return loop_; }
  uint64_t client_id() const { return client_id_; }

  // On loop()'s thread: `key` in `db` was signalled; re-run the command and then call Unblock()
  // (served) or NotServed(). Ignore it unless `block_seq` is the current block.
  virtual void OnKeyReady(uint64_t block_seq, storage::DbIndex db, const std::string& key) = 0;
  // On loop()'s thread: CLIENT UNBLOCK; `error` selects the -UNBLOCKED error over the timeout
  // reply. Ignore it unless `block_seq` is the current block.
  virtual void OnUnblockRequest(uint64_t block_seq, bool error) = 0;

 private:
  net::EventLoop* loop_;
  uint64_t client_id_;
};

class BlockingRegistry {
 public:
  // Queues `client` on each of `keys` in `db` and returns the block's sequence number (never 0).
  // REQUIRES: the keys' locks are held; `client` is not blocked already.
  uint64_t Block(std::shared_ptr<BlockedClient> client, storage::DbIndex db,
                 std::span<const std::string> keys);
  // The client stops waiting (served, timed out, unblocked, disconnected). Tokens it held pass
  // to the next waiter, except that of `drained_key` (the key it was served from, when that key
  // no longer exists: nobody behind could be served from it) unless it was signalled again.
  // No-op if it is not blocked.
  void Unblock(const BlockedClient* client, const std::string* drained_key = nullptr);
  // After a wake on (db, key) with `block_seq` that did not serve the client: it keeps its place;
  // the token moves on to the waiter behind it, or stops there if the key does not exist
  // (`key_exists` false) and no signal came meanwhile. No-op unless the client holds that key's
  // token for that block.
  void NotServed(const BlockedClient* client, uint64_t block_seq, storage::DbIndex db,
                 std::string_view key, bool key_exists);
  // Writers: hands each key's token to its first waiter (see the header comment).
  void SignalReady(storage::DbIndex db, std::span<const std::string> keys);
  // SWAPDB: signals every key of `db` that has a waiter.
  void SignalDatabase(storage::DbIndex db);
  // CLIENT UNBLOCK: posts OnUnblockRequest to the client's loop. Returns false if the client is
  // not blocked.
  bool RequestUnblock(uint64_t client_id, bool error);

  bool IsBlocked(const BlockedClient* client) const;
  // INFO clients blocked_clients.
  size_t blocked_clients() const { return blocked_.load(std::memory_order_relaxed); }
  // INFO / tests: keys with at least one waiter.
  size_t blocking_keys() const;

 private:
  struct DbKey {
    storage::DbIndex db;
    std::string key;
    bool operator==(const DbKey&) const = default;
  };
  struct DbKeyHash {
    size_t operator()(const DbKey& k) const noexcept;
  };
  struct KeyQueue {
    std::vector<const BlockedClient*> waiters;  // first blocked first
    const BlockedClient* holder = nullptr;      // the waiter that holds the token, if any
    bool again = false;                         // signalled while the token was out
  };
  struct Entry {
    std::shared_ptr<BlockedClient> client;
    uint64_t seq = 0;
    storage::DbIndex db = 0;
    std::vector<std::string> keys;
  };

  // REQUIRES: mu_. Gives the token to waiters[index] (posts its wake).
  void WakeAt(const DbKey& key, KeyQueue& q, size_t index);
  // REQUIRES: mu_; the holder left or declined and `next` is the index of the waiter behind it.
  // With `stop`, the token goes nowhere unless the key was signalled again (then to the head).
  void PassToken(const DbKey& key, KeyQueue& q, size_t next, bool stop);

  mutable std::mutex mu_;
  std::unordered_map<DbKey, KeyQueue, DbKeyHash> queues_;     // GUARDED_BY(mu_)
  std::unordered_map<const BlockedClient*, Entry> clients_;   // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, const BlockedClient*> by_id_;  // GUARDED_BY(mu_)
  uint64_t next_seq_ = 1;                                     // GUARDED_BY(mu_)
  std::atomic<size_t> blocked_{0};
};

}  // namespace ferrite::server
