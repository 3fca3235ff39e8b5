// PubSubRegistry: receivers and counts, pattern matching, unsubscribe, and cross-thread fan-out
// with per-publisher order on real event loops (run under TSan).

#include "server/pubsub.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "net/event_loop.h"
#include "server/client_session.h"

namespace ferrite::server {
namespace {

class FakeSubscriber final : public Subscriber {
 public:
  explicit FakeSubscriber(net::EventLoop* loop) : Subscriber(loop) {}
  void Deliver(const PubSubMessage& m) override {
    const char* kind = m.kind == PubSubKind::kPattern ? "pmessage"
                       : m.kind == PubSubKind::kShard ? "smessage"
                                                      : "message";
    got.push_back(std::string(kind) + " " + (m.pattern.empty() ? "" : m.pattern + " ") + m.channel +
                  " " + m.payload);
  }
  std::vector<std::string> got;
};

void Drain(net::EventLoop& loop) {
  loop.Stop();
  loop.Run();
}

TEST(PubSubRegistryTest, PublishCountsChannelAndPatternReceivers) {
  net::EventLoop loop;
  PubSubRegistry reg;
  auto a = std::make_shared<FakeSubscriber>(&loop);
  auto b = std::make_shared<FakeSubscriber>(&loop);
  EXPECT_TRUE(reg.Subscribe(PubSubKind::kChannel, "news", a));
  EXPECT_FALSE(reg.Subscribe(PubSubKind::kChannel, "news", a));  // once only
  EXPECT_TRUE(reg.Subscribe(PubSubKind::kChannel, "news", b));
  EXPECT_TRUE(reg.Subscribe(PubSubKind::kPattern, "n*", a));
  EXPECT_TRUE(reg.Subscribe(PubSubKind::kPattern, "*s", a));
  EXPECT_TRUE(reg.Subscribe(PubSubKind::kPattern, "x*", b));
  EXPECT_EQ(reg.channel_count(), 1u);
  EXPECT_EQ(reg.pattern_count(), 3u);

  // 2 channel subscribers + a's two matching patterns.
  EXPECT_EQ(reg.Publish(false, "news", "hi"), 4u);
  EXPECT_EQ(reg.Publish(false, "nothing", "x"), 1u);  // "n*"
  EXPECT_EQ(reg.Publish(false, "zzz", "x"), 0u);
  Drain(loop);
  std::vector<std::string> got_a = a->got;
  std::sort(got_a.begin() + 1, got_a.begin() + 3);  // pattern order is the table's
  EXPECT_EQ(got_a, (std::vector<std::string>{"message news hi", "pmessage *s news hi",
                                             "pmessage n* news hi", "pmessage n* nothing x"}));
  EXPECT_EQ(b->got, (std::vector<std::string>{"message news hi"}));
}

TEST(PubSubRegistryTest, ShardChannelsAreSeparateAndIgnorePatterns) {
  net::EventLoop loop;
  PubSubRegistry reg;
  auto a = std::make_shared<FakeSubscriber>(&loop);
  reg.Subscribe(PubSubKind::kShard, "s1", a);
  reg.Subscribe(PubSubKind::kPattern, "*", a);
  EXPECT_EQ(reg.Publish(true, "s1", "m"), 1u);   // the pattern does not see SPUBLISH
  EXPECT_EQ(reg.Publish(false, "s1", "m"), 1u);  // only the pattern sees PUBLISH
  Drain(loop);
  EXPECT_EQ(a->got, (std::vector<std::string>{"smessage s1 m", "pmessage * s1 m"}));
  EXPECT_EQ(reg.NumSubscribers(true, "s1"), 1u);
  EXPECT_EQ(reg.NumSubscribers(false, "s1"), 0u);
  EXPECT_EQ(reg.Channels(true, std::nullopt), (std::vector<std::string>{"s1"}));
  EXPECT_TRUE(reg.Channels(false, std::nullopt).empty());
  EXPECT_EQ(reg.shard_channel_count(), 1u);
}

TEST(PubSubRegistryTest, UnsubscribeRemovesEmptyChannelsAndChannelsFilterByPattern) {
  net::EventLoop loop;
  PubSubRegistry reg;
  auto a = std::make_shared<FakeSubscriber>(&loop);
  auto b = std::make_shared<FakeSubscriber>(&loop);
  reg.Subscribe(PubSubKind::kChannel, "foo", a);
  reg.Subscribe(PubSubKind::kChannel, "foo", b);
  reg.Subscribe(PubSubKind::kChannel, "bar", a);
  std::vector<std::string> all = reg.Channels(false, std::nullopt);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"bar", "foo"}));
  EXPECT_EQ(reg.Channels(false, std::string_view("f*")), (std::vector<std::string>{"foo"}));
  EXPECT_TRUE(reg.Unsubscribe(PubSubKind::kChannel, "foo", a.get()));
  EXPECT_FALSE(reg.Unsubscribe(PubSubKind::kChannel, "foo", a.get()));
  EXPECT_EQ(reg.NumSubscribers(false, "foo"), 1u);
  EXPECT_TRUE(reg.Unsubscribe(PubSubKind::kChannel, "foo", b.get()));
  EXPECT_EQ(reg.channel_count(), 1u);
  EXPECT_EQ(reg.Publish(false, "foo", "x"), 0u);
}

TEST(PubSubRegistryTest, ClientHelpersKeepTheSessionAndTheRegistryInStep) {
  net::EventLoop loop;
  PubSubRegistry reg;
  ClientSession client;
  auto sub = std::make_shared<FakeSubscriber>(&loop);
  client.subscriber = sub;
  EXPECT_TRUE(SubscribeClient(reg, client, PubSubKind::kChannel, "c1"));
  EXPECT_FALSE(SubscribeClient(reg, client, PubSubKind::kChannel, "c1"));
  EXPECT_TRUE(SubscribeClient(reg, client, PubSubKind::kPattern, "p*"));
  EXPECT_TRUE(SubscribeClient(reg, client, PubSubKind::kShard, "s"));
  EXPECT_EQ(client.pubsub.total(), 3u);
  EXPECT_EQ(client.pubsub.sub.load(), 1u);
  EXPECT_EQ(client.pubsub.psub.load(), 1u);
  EXPECT_EQ(client.pubsub.ssub.load(), 1u);
  EXPECT_TRUE(UnsubscribeClient(reg, client, PubSubKind::kChannel, "c1"));
  EXPECT_FALSE(UnsubscribeClient(reg, client, PubSubKind::kChannel, "c1"));
  EXPECT_EQ(client.pubsub.sub.load(), 0u);
  UnsubscribeAll(reg, client);
  EXPECT_EQ(client.pubsub.total(), 0u);
  EXPECT_EQ(reg.pattern_count(), 0u);
  EXPECT_EQ(reg.shard_channel_count(), 0u);
  EXPECT_EQ(reg.Publish(false, "px", "m"), 0u);
}

// Publishers on several threads, subscribers on several loops: every subscriber receives every
// message, and each publisher's messages arrive in the order it published them.
class OrderCheckingSubscriber final : public Subscriber {
 public:
  OrderCheckingSubscriber(net::EventLoop* loop, int publishers)
      : Subscriber(loop), next_(publishers, 0) {}
  void Deliver(const PubSubMessage& m) override {  // payload "<publisher>:<seq>"
    size_t colon = m.payload.find(':');
    int p = std::stoi(m.payload.substr(0, colon));
    int seq = std::stoi(m.payload.substr(colon + 1));
    if (seq != next_[p]) out_of_order.fetch_add(1);
    next_[p] = seq + 1;
    received.fetch_add(1);
  }
  std::atomic<int> received{0};
  std::atomic<int> out_of_order{0};

 private:
  std::vector<int> next_;  // loop thread only
};

TEST(PubSubRegistryTest, CrossThreadFanOutKeepsPerPublisherOrder) {
  constexpr int kLoops = 3, kSubsPerLoop = 4, kPublishers = 3, kMessages = 300;
  PubSubRegistry reg;
  std::vector<std::unique_ptr<net::EventLoop>> loops;
  std::vector<std::shared_ptr<OrderCheckingSubscriber>> subs;
  std::vector<std::thread> threads;
  for (int l = 0; l < kLoops; ++l) {
    loops.push_back(std::make_unique<net::EventLoop>());
    for (int i = 0; i < kSubsPerLoop; ++i) {
      auto s = std::make_shared<OrderCheckingSubscriber>(loops.back().get(), kPublishers);
      reg.Subscribe(i % 2 ? PubSubKind::kChannel : PubSubKind::kPattern, i % 2 ? "ch" : "c*", s);
      subs.push_back(s);
    }
  }
  for (auto& loop : loops) threads.emplace_back([&loop] { loop->Run(); });
  std::atomic<size_t> receivers{0};
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      for (int i = 0; i < kMessages; ++i) {
        receivers += reg.Publish(false, "ch", std::to_string(p) + ":" + std::to_string(i));
      }
    });
  }
  for (auto& t : publishers) t.join();
  const int expected = kPublishers * kMessages;
  for (int spin = 0; spin < 2'000'000; ++spin) {
    bool all = std::all_of(subs.begin(), subs.end(),
                           [&](const auto& s) { return s->received.load() == expected; });
    if (all) break;
    std::this_thread::yield();
  }
  for (auto& loop : loops) loop->Stop();
  for (auto& t : threads) t.join();
  EXPECT_EQ(receivers.load(), static_cast<size_t>(expected) * subs.size());
  for (const auto& s : subs) {
    EXPECT_EQ(s->received.load(), expected);
    EXPECT_EQ(s->out_of_order.load(), 0);
  }
}

}  // namespace
}  // namespace ferrite::server
