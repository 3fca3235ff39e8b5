#include "server/client_registry.h"

namespace ferrite::server {

void ClientRegistry::Add(ClientSession* session) {
  std::lock_guard lock(mu_);
  clients_[session->id] = session;
}

void ClientRegistry::Remove(ClientSession* session) {
  std::lock_guard lock(mu_);
  clients_.erase(session->id);
}

size_t ClientRegistry::Count() const {
  std::lock_guard lock(mu_);
  return clients_.size();
}

void ClientRegistry::ForEach(const std::function<void(ClientSession&)>& fn) const {
  std::lock_guard lock(mu_);
  for (auto& [id, session] : clients_) fn(*session);
}

void ClientRegistry::Update(const std::function<void()>& fn) {
  std::lock_guard lock(mu_);
  fn();
}

}  // namespace ferrite::server
