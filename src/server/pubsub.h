#pragma once
// PubSubRegistry: the server-wide table of channel, pattern and shard-channel subscriptions, and
// the fan-out of PUBLISH / SPUBLISH to subscribers on every event loop.
//
// A subscriber is a connection, seen here through the Subscriber interface (its event loop and a
// Deliver method). Publish() finds the receivers under a shared lock, releases it, then posts one
// task per event loop carrying the messages for that loop's subscribers; the subscriber's own
// thread formats each message (RESP2 array or RESP3 push) into its output buffer. So:
//   * the publisher never writes to another connection and never waits for a slow subscriber
//     (the message queues in the subscriber's output buffer, where client-output-buffer-limit
//     pubsub applies);
//   * messages from one publisher reach each subscriber in publish order, because a loop runs
//     its posted tasks in FIFO order (also for subscribers on the publisher's own loop, which are
//     posted to as well rather than served inline, so causal order holds across loops);
//   * a subscription acknowledged to a client (Subscribe() returned) sees every later PUBLISH.
//
// Semantics follow a non-cluster Redis 7.0: PUBLISH reaches channel subscribers and every
// matching pattern subscription (a client with two matching patterns gets two pmessages, and
// each counts as a receiver); SPUBLISH reaches shard-channel subscribers only.
//
// Thread safety: every method may be called from any thread. Subscribers are held by shared_ptr
// so a delivery in flight outlives a connection that closed meanwhile (the connection detaches
// its Subscriber on close and Deliver then does nothing).

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ferrite::net {
class EventLoop;
}

namespace ferrite::server {

enum class PubSubKind : uint8_t { kChannel = 0, kPattern = 1, kShard = 2 };

// One message as delivered: "message" (channel), "pmessage" (pattern set), "smessage" (shard).
struct PubSubMessage {
  PubSubKind kind = PubSubKind::kChannel;
  std::string pattern;  // kPattern only: the subscription that matched
  std::string channel;
  std::string payload;
};

class Subscriber {
 public:
  explicit Subscriber(net::EventLoop* loop) : loop_(loop) {}
  virtual ~Subscriber() = default;
  net::EventLoop* loop() const { return loop_; }
  // Runs on loop()'s thread, in the order the messages were published.
  virtual void Deliver(const PubSubMessage& message) = 0;

 private:
  net::EventLoop* loop_;
};

class PubSubRegistry {
 public:
  // Adds `subscriber` to `name` (a channel, pattern or shard channel). Returns false if it was
  // already subscribed to it.
  bool Subscribe(PubSubKind kind, std::string_view name,
                 const std::shared_ptr<Subscriber>& subscriber);
  // Returns false if it was not subscribed.
  bool Unsubscribe(PubSubKind kind, std::string_view name, const Subscriber* subscriber);

  // PUBLISH (shard = false) or SPUBLISH (shard = true): queues the message to every receiver and
  // returns how many deliveries were queued.
  size_t Publish(bool shard, std::string_view channel, std::string_view payload);

  // PUBSUB CHANNELS / SHARDCHANNELS: the active channels, optionally matching a glob pattern.
  std::vector<std::string> Channels(bool shard, std::optional<std::string_view> pattern) const;
  // PUBSUB NUMSUB / SHARDNUMSUB for one channel.
  size_t NumSubscribers(bool shard, std::string_view channel) const;
  // PUBSUB NUMPAT and INFO pubsub_patterns: distinct patterns with a subscriber.
  size_t pattern_count() const { return counts_[1].load(std::memory_order_relaxed); }
  // INFO pubsub_channels / pubsubshard_channels: distinct channels with a subscriber.
  size_t channel_count() const { return counts_[0].load(std::memory_order_relaxed); }
  size_t shard_channel_count() const { return counts_[2].load(std::memory_order_relaxed); }

 private:
  // Subscribers of one name, in subscription order (delivery order within one publish).
  using Subscribers = std::vector<std::shared_ptr<Subscriber>>;
  using Table = std::unordered_map<std::string, Subscribers>;

  mutable std::shared_mutex mu_;
  Table tables_[3];                     // GUARDED_BY(mu_), indexed by PubSubKind
  std::atomic<size_t> counts_[3] = {};  // tables_[i].size(), readable without the lock
};

class ClientSession;

// The client-side half: subscribe or unsubscribe `client` (its own thread) in the registry and
// in its ClientPubSub together. Without a Subscriber (in-process tests) only ClientPubSub
// changes. Each returns false when nothing changed (already / not subscribed).
bool SubscribeClient(PubSubRegistry& registry, ClientSession& client, PubSubKind kind,
                     std::string_view name);
bool UnsubscribeClient(PubSubRegistry& registry, ClientSession& client, PubSubKind kind,
                       std::string_view name);
// RESET and disconnect: drops every subscription of `client`, without replies.
void UnsubscribeAll(PubSubRegistry& registry, ClientSession& client);

}  // namespace ferrite::server
