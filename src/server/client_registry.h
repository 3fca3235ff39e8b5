#pragma once
// ClientRegistry: every connected client, for CLIENT LIST / KILL / INFO and INFO clients.
//
// Connections register at accept and unregister at close. Other threads read a client's
// descriptive fields through Describe(), under the registry lock; the owning thread takes the
// same lock only for the rare writes of those fields (CLIENT SETNAME, SETINFO, SELECT), so the
// command path stays lock-free.
//
// Thread safety: all methods are safe from any thread.

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/client_session.h"

namespace ferrite::server {

class ClientRegistry {
 public:
  void Add(ClientSession* session);
  void Remove(ClientSession* session);
  size_t Count() const;
  uint64_t NextId() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  // Runs `fn` under the registry lock for each client (CLIENT LIST, KILL filters).
  void ForEach(const std::function<void(ClientSession&)>& fn) const;
  // Runs `fn` under the lock to change fields other threads read (name, lib, db).
  void Update(const std::function<void()>& fn);

 private:
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, ClientSession*> clients_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace ferrite::server
