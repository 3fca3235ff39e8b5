#include "server/blocking.h"

#include <algorithm>
#include <functional>

#include "net/event_loop.h"
#include "server/command_context.h"
#include "server/server_context.h"

namespace ferrite::server {

void CommandContext::SignalKeyReady(std::string_view key) {
  // Block() raises the count under the blocker's key locks; this runs under the writer's, so a
  // blocker of this key is either counted here or blocks after this command and sees its change.
  if (server.blocking().blocked_clients() == 0) return;
  ready_keys_.emplace_back(key);
}

size_t BlockingRegistry::DbKeyHash::operator()(const DbKey& k) const noexcept {
  return std::hash<std::string>()(k.key) * 31 + k.db;
}

uint64_t BlockingRegistry::Block(std::shared_ptr<BlockedClient> client, storage::DbIndex db,
                                 std::span<const std::string> keys) {
  std::lock_guard lock(mu_);
  const BlockedClient* raw = client.get();
  Entry& entry = clients_[raw];
  entry.client = std::move(client);
  entry.seq = next_seq_++;
  entry.db = db;
  entry.keys.clear();
  for (const std::string& key : keys) {
    // BLPOP k k: one place in the queue per key.
    if (std::find(entry.keys.begin(), entry.keys.end(), key) != entry.keys.end()) continue;
    entry.keys.push_back(key);
    queues_[DbKey{db, key}].waiters.push_back(raw);
  }
  by_id_[raw->client_id()] = raw;
  blocked_.store(clients_.size(), std::memory_order_release);
  return entry.seq;
}

void BlockingRegistry::WakeAt(const DbKey& key, KeyQueue& q, size_t index) {
  const BlockedClient* waiter = q.waiters[index];
  q.holder = waiter;
  const Entry& entry = clients_.at(waiter);
  std::shared_ptr<BlockedClient> client = entry.client;
  net::EventLoop* loop = client->loop();
  loop->Post([client = std::move(client), seq = entry.seq, db = key.db, k = key.key] {
    client->OnKeyReady(seq, db, k);
  });
}

void BlockingRegistry::PassToken(const DbKey& key, KeyQueue& q, size_t next, bool stop) {
  q.holder = nullptr;
  if (!stop && next < q.waiters.size()) return WakeAt(key, q, next);
  if (q.again && !q.waiters.empty()) {
    q.again = false;
    WakeAt(key, q, 0);
  }
}

void BlockingRegistry::Unblock(const BlockedClient* client, const std::string* drained_key) {
  std::lock_guard lock(mu_);
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  Entry entry = std::move(it->second);
  clients_.erase(it);
  by_id_.erase(client->client_id());
  for (const std::string& k : entry.keys) {
    DbKey key{entry.db, k};
    auto qit = queues_.find(key);
    if (qit == queues_.end()) continue;
    KeyQueue& q = qit->second;
    auto pos = std::find(q.waiters.begin(), q.waiters.end(), client);
    if (pos == q.waiters.end()) continue;
    const size_t index = static_cast<size_t>(pos - q.waiters.begin());
    q.waiters.erase(pos);
    // The waiter behind it now sits at `index`.
    if (q.holder == client) PassToken(key, q, index, drained_key != nullptr && *drained_key == k);
    if (q.waiters.empty()) queues_.erase(qit);
  }
  blocked_.store(clients_.size(), std::memory_order_release);
}

void BlockingRegistry::NotServed(const BlockedClient* client, uint64_t block_seq,
                                 storage::DbIndex db, std::string_view key, bool key_exists) {
  std::lock_guard lock(mu_);
  auto it = clients_.find(client);
  if (it == clients_.end() || it->second.seq != block_seq) return;
  DbKey dk{db, std::string(key)};
  auto qit = queues_.find(dk);
  if (qit == queues_.end() || qit->second.holder != client) return;
  KeyQueue& q = qit->second;
  auto pos = std::find(q.waiters.begin(), q.waiters.end(), client);
  PassToken(dk, q, static_cast<size_t>(pos - q.waiters.begin()) + 1, !key_exists);
}

void BlockingRegistry::SignalReady(storage::DbIndex db, std::span<const std::string> keys) {
  // Pairs with Block()'s release: a writer that runs after a blocker released its key locks
  // sees the blocker counted.
  if (blocked_.load(std::memory_order_acquire) == 0) return;
  std::lock_guard lock(mu_);
  for (const std::string& k : keys) {
    DbKey key{db, k};
    auto qit = queues_.find(key);
    if (qit == queues_.end()) continue;
    KeyQueue& q = qit->second;
    if (q.holder != nullptr) {
      q.again = true;  // the walk in progress restarts from the head when it ends
      continue;
    }
    WakeAt(key, q, 0);
  }
}

void BlockingRegistry::SignalDatabase(storage::DbIndex db) {
  if (blocked_.load(std::memory_order_acquire) == 0) return;
  std::lock_guard lock(mu_);
  for (auto& [key, q] : queues_) {
    if (key.db != db) continue;
    if (q.holder != nullptr) {
      q.again = true;
    } else {
      WakeAt(key, q, 0);
    }
  }
}

bool BlockingRegistry::RequestUnblock(uint64_t client_id, bool error) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(client_id);
  if (it == by_id_.end()) return false;
  const Entry& entry = clients_.at(it->second);
  std::shared_ptr<BlockedClient> client = entry.client;
  net::EventLoop* loop = client->loop();
  loop->Post([client = std::move(client), seq = entry.seq, error] {
    client->OnUnblockRequest(seq, error);
  });
  return true;
}

bool BlockingRegistry::IsBlocked(const BlockedClient* client) const {
  std::lock_guard lock(mu_);
  return clients_.count(client) != 0;
}

size_t BlockingRegistry::blocking_keys() const {
  std::lock_guard lock(mu_);
  return queues_.size();
}

}  // namespace ferrite::server
