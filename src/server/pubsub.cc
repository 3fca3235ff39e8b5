#include "server/pubsub.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "base/string_util.h"
#include "net/event_loop.h"
#include "server/client_session.h"

namespace ferrite::server {

namespace {

struct Delivery {
  std::shared_ptr<Subscriber> subscriber;
  std::shared_ptr<const PubSubMessage> message;
};

}  // namespace

bool PubSubRegistry::Subscribe(PubSubKind kind, std::string_view name,
                               const std::shared_ptr<Subscriber>& subscriber) {
  const int k = static_cast<int>(kind);
  std::unique_lock lock(mu_);
  auto [it, inserted] = tables_[k].try_emplace(std::string(name));
  Subscribers& subs = it->second;
  for (const auto& s : subs) {
    if (s.get() == subscriber.get()) return false;
  }
  subs.push_back(subscriber);
  if (inserted) counts_[k].store(tables_[k].size(), std::memory_order_relaxed);
  return true;
}

bool PubSubRegistry::Unsubscribe(PubSubKind kind, std::string_view name,
                                 const Subscriber* subscriber) {
  const int k = static_cast<int>(kind);
  std::unique_lock lock(mu_);
  auto it = tables_[k].find(std::string(name));
  if (it == tables_[k].end()) return false;
  Subscribers& subs = it->second;
  auto pos =
      std::find_if(subs.begin(), subs.end(), [&](const auto& s) { return s.get() == subscriber; });
  if (pos == subs.end()) return false;
  subs.erase(pos);  // keeps the others in subscription order
  if (subs.empty()) {
    tables_[k].erase(it);
    counts_[k].store(tables_[k].size(), std::memory_order_relaxed);
  }
  return true;
}

size_t PubSubRegistry::Publish(bool shard, std::string_view channel, std::string_view payload) {
  std::vector<Delivery> deliveries;
  {
    std::shared_lock lock(mu_);
    const Table& channels =
        tables_[static_cast<int>(shard ? PubSubKind::kShard : PubSubKind::kChannel)];
    if (auto it = channels.find(std::string(channel)); it != channels.end()) {
      auto message = std::make_shared<PubSubMessage>();
      message->kind = shard ? PubSubKind::kShard : PubSubKind::kChannel;
      message->channel = channel;
      message->payload = payload;
      for (const auto& s : it->second) deliveries.push_back({s, message});
    }
    if (!shard) {
      for (const auto& [pattern, subs] : tables_[static_cast<int>(PubSubKind::kPattern)]) {
        if (!StringMatch(pattern, channel)) continue;
        auto message = std::make_shared<PubSubMessage>();
        message->kind = PubSubKind::kPattern;
        message->pattern = pattern;
        message->channel = channel;
        message->payload = payload;
        for (const auto& s : subs) deliveries.push_back({s, message});
      }
    }
  }
  const size_t receivers = deliveries.size();
  // One task per event loop, in the order found, so each loop delivers in publish order.
  while (!deliveries.empty()) {
    net::EventLoop* loop = deliveries.front().subscriber->loop();
    std::vector<Delivery> batch;
    auto rest = std::stable_partition(deliveries.begin(), deliveries.end(), [&](const Delivery& d) {
      return d.subscriber->loop() == loop;
    });
    batch.assign(std::make_move_iterator(deliveries.begin()), std::make_move_iterator(rest));
    deliveries.erase(deliveries.begin(), rest);
    loop->Post([batch = std::move(batch)] {
      for (const Delivery& d : batch) d.subscriber->Deliver(*d.message);
    });
  }
  return receivers;
}

std::vector<std::string> PubSubRegistry::Channels(bool shard,
                                                  std::optional<std::string_view> pattern) const {
  std::vector<std::string> out;
  std::shared_lock lock(mu_);
  for (const auto& [name, subs] :
       tables_[static_cast<int>(shard ? PubSubKind::kShard : PubSubKind::kChannel)]) {
    if (!pattern || StringMatch(*pattern, name)) out.push_back(name);
  }
  return out;
}

size_t PubSubRegistry::NumSubscribers(bool shard, std::string_view channel) const {
  std::shared_lock lock(mu_);
  const Table& t = tables_[static_cast<int>(shard ? PubSubKind::kShard : PubSubKind::kChannel)];
  auto it = t.find(std::string(channel));
  return it == t.end() ? 0 : it->second.size();
}

namespace {

std::unordered_set<std::string>& ClientSet(ClientSession& client, PubSubKind kind) {
  switch (kind) {
    case PubSubKind::kPattern:
      return client.pubsub.patterns;
    case PubSubKind::kShard:
      return client.pubsub.shard_channels;
    case PubSubKind::kChannel:
      break;
  }
  return client.pubsub.channels;
}

}  // namespace

bool SubscribeClient(PubSubRegistry& registry, ClientSession& client, PubSubKind kind,
                     std::string_view name) {
  auto [it, inserted] = ClientSet(client, kind).emplace(name);
  if (!inserted) return false;
  if (client.subscriber) registry.Subscribe(kind, name, client.subscriber);
  client.pubsub.SyncCounts();
  return true;
}

bool UnsubscribeClient(PubSubRegistry& registry, ClientSession& client, PubSubKind kind,
                       std::string_view name) {
  auto& set = ClientSet(client, kind);
  auto it = set.find(std::string(name));
  if (it == set.end()) return false;
  set.erase(it);
  if (client.subscriber) registry.Unsubscribe(kind, name, client.subscriber.get());
  client.pubsub.SyncCounts();
  return true;
}

void UnsubscribeAll(PubSubRegistry& registry, ClientSession& client) {
  for (PubSubKind kind : {PubSubKind::kChannel, PubSubKind::kPattern, PubSubKind::kShard}) {
    auto& set = ClientSet(client, kind);
    if (client.subscriber) {
      for (const std::string& name : set) registry.Unsubscribe(kind, name, client.subscriber.get());
    }
    set.clear();
  }
  client.pubsub.SyncCounts();
}

}  // namespace ferrite::server
