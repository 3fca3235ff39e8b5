// BlockingRegistry: FIFO hand-off of a key's token, NotServed / Unblock passing it on, late
// wake-ups, CLIENT UNBLOCK, and a cross-thread stress with real event loops (run under TSan).

#include "server/blocking.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/event_loop.h"

namespace ferrite::server {
namespace {

// A client that records its wake-ups; the test decides what it does with them.
class FakeClient final : public BlockedClient {
 public:
  FakeClient(net::EventLoop* loop, uint64_t id) : BlockedClient(loop, id) {}
  void OnKeyReady(uint64_t seq, storage::DbIndex db, const std::string& key) override {
    wakes.push_back({seq, key});
  }
  void OnUnblockRequest(uint64_t seq, bool error) override { unblocks.push_back({seq, error}); }
  struct Wake {
    uint64_t seq;
    std::string key;
  };
  std::vector<Wake> wakes;
  std::vector<std::pair<uint64_t, bool>> unblocks;
};

// Runs what was posted to a loop that is never started: Stop() then Run() drains the tasks.
void Drain(net::EventLoop& loop) {
  loop.Stop();
  loop.Run();
}

std::vector<std::string> Keys(std::initializer_list<const char*> keys) {
  return std::vector<std::string>(keys.begin(), keys.end());
}

TEST(BlockingRegistryTest, SignalWakesOnlyTheFirstWaiterAndTokenPassesInOrder) {
  net::EventLoop loop;
  BlockingRegistry reg;
  auto a = std::make_shared<FakeClient>(&loop, 1);
  auto b = std::make_shared<FakeClient>(&loop, 2);
  auto c = std::make_shared<FakeClient>(&loop, 3);
  uint64_t sa = reg.Block(a, 0, Keys({"k"}));
  uint64_t sb = reg.Block(b, 0, Keys({"k"}));
  reg.Block(c, 0, Keys({"k"}));
  EXPECT_EQ(reg.blocked_clients(), 3u);
  EXPECT_NE(sa, sb);

  reg.SignalReady(0, Keys({"k"}));
  reg.SignalReady(0, Keys({"other"}));  // nobody waits there
  Drain(loop);
  ASSERT_EQ(a->wakes.size(), 1u);
  EXPECT_EQ(a->wakes[0].seq, sa);
  EXPECT_EQ(a->wakes[0].key, "k");
  EXPECT_TRUE(b->wakes.empty());

  // a is served; the key still has data, so b is next.
  reg.Unblock(a.get());
  Drain(loop);
  ASSERT_EQ(b->wakes.size(), 1u);
  EXPECT_TRUE(c->wakes.empty());
  EXPECT_FALSE(reg.IsBlocked(a.get()));

  // b is served and drains the key: c is not woken.
  const std::string drained = "k";
  reg.Unblock(b.get(), &drained);
  Drain(loop);
  EXPECT_TRUE(c->wakes.empty());
  EXPECT_EQ(reg.blocked_clients(), 1u);

  // A new signal goes to c, now first in line.
  reg.SignalReady(0, Keys({"k"}));
  Drain(loop);
  EXPECT_EQ(c->wakes.size(), 1u);
  reg.Unblock(c.get());
  EXPECT_EQ(reg.blocked_clients(), 0u);
  EXPECT_EQ(reg.blocking_keys(), 0u);
}

TEST(BlockingRegistryTest, NotServedKeepsThePlaceAndPassesTheTokenBehind) {
  net::EventLoop loop;
  BlockingRegistry reg;
  auto a = std::make_shared<FakeClient>(&loop, 1);
  auto b = std::make_shared<FakeClient>(&loop, 2);
  uint64_t sa = reg.Block(a, 0, Keys({"k"}));
  uint64_t sb = reg.Block(b, 0, Keys({"k"}));
  reg.SignalReady(0, Keys({"k"}));
  Drain(loop);
  ASSERT_EQ(a->wakes.size(), 1u);

  // a could not use the key (e.g. it waits for another type), which still exists: b tries.
  reg.NotServed(a.get(), sa, 0, "k", /*key_exists=*/true);
  Drain(loop);
  ASSERT_EQ(b->wakes.size(), 1u);
  // b neither; end of the queue, no new signal: nobody else is woken.
  reg.NotServed(b.get(), sb, 0, "k", true);
  Drain(loop);
  EXPECT_EQ(a->wakes.size(), 1u);
  EXPECT_EQ(b->wakes.size(), 1u);

  // Both still blocked, a still first.
  reg.SignalReady(0, Keys({"k"}));
  Drain(loop);
  EXPECT_EQ(a->wakes.size(), 2u);
  EXPECT_EQ(b->wakes.size(), 1u);
  // The key vanished before a ran: the walk stops at a.
  reg.NotServed(a.get(), sa, 0, "k", false);
  Drain(loop);
  EXPECT_EQ(b->wakes.size(), 1u);
}

TEST(BlockingRegistryTest, SignalWhileTokenIsOutRestartsFromTheHeadAfterTheWalk) {
  net::EventLoop loop;
  BlockingRegistry reg;
  auto a = std::make_shared<FakeClient>(&loop, 1);
  uint64_t sa = reg.Block(a, 0, Keys({"k"}));
  reg.SignalReady(0, Keys({"k"}));
  reg.SignalReady(0, Keys({"k"}));  // while a holds the token
  Drain(loop);
  EXPECT_EQ(a->wakes.size(), 1u);
  // a was not served by the first wake (the data went elsewhere); the second signal is owed.
  reg.NotServed(a.get(), sa, 0, "k", false);
  Drain(loop);
  EXPECT_EQ(a->wakes.size(), 2u);
}

TEST(BlockingRegistryTest, LeavingWithTheTokenPassesIt) {
  net::EventLoop loop;
  BlockingRegistry reg;
  auto a = std::make_shared<FakeClient>(&loop, 1);
  auto b = std::make_shared<FakeClient>(&loop, 2);
  reg.Block(a, 0, Keys({"k1", "k2"}));
  reg.Block(b, 0, Keys({"k2"}));
  reg.SignalReady(0, Keys({"k1", "k2"}));  // a gets both tokens
  Drain(loop);
  EXPECT_EQ(a->wakes.size(), 2u);
  // a is served from k1 (disconnects, times out...): k2's token must not die with it.
  reg.Unblock(a.get());
  Drain(loop);
  ASSERT_EQ(b->wakes.size(), 1u);
  EXPECT_EQ(b->wakes[0].key, "k2");
}

TEST(BlockingRegistryTest, StaleNotServedIsIgnoredAndDatabasesAreSeparate) {
  net::EventLoop loop;
  BlockingRegistry reg;
  auto a = std::make_shared<FakeClient>(&loop, 1);
  auto b = std::make_shared<FakeClient>(&loop, 2);
  uint64_t old_seq = reg.Block(a, 0, Keys({"k"}));
  reg.Unblock(a.get());
  uint64_t new_seq = reg.Block(a, 0, Keys({"k"}));
  EXPECT_NE(old_seq, new_seq);
  reg.Block(b, 1, Keys({"k"}));
  reg.SignalReady(0, Keys({"k"}));
  Drain(loop);
  EXPECT_EQ(a->wakes.size(), 1u);
  EXPECT_TRUE(b->wakes.empty());                  // db 1's "k" is another key
  reg.NotServed(a.get(), old_seq, 0, "k", true);  // an old block: ignored
  Drain(loop);
  EXPECT_TRUE(b->wakes.empty());
  // BLPOP k k: one place only.
  auto c = std::make_shared<FakeClient>(&loop, 3);
  reg.Block(c, 2, Keys({"x", "x"}));
  reg.SignalReady(2, Keys({"x"}));
  Drain(loop);
  EXPECT_EQ(c->wakes.size(), 1u);
}

TEST(BlockingRegistryTest, SignalDatabaseWakesTheFirstWaiterOfEveryKeyInThatDatabase) {
  net::EventLoop loop;
  BlockingRegistry reg;
  auto a = std::make_shared<FakeClient>(&loop, 1);
  auto b = std::make_shared<FakeClient>(&loop, 2);
  auto c = std::make_shared<FakeClient>(&loop, 3);
  auto d = std::make_shared<FakeClient>(&loop, 4);
  reg.Block(a, 9, Keys({"k1"}));
  reg.Block(b, 9, Keys({"k1"}));
  reg.Block(c, 9, Keys({"k2"}));
  reg.Block(d, 1, Keys({"k1"}));
  reg.SignalDatabase(9);  // SWAPDB 1 9
  Drain(loop);
  EXPECT_EQ(a->wakes.size(), 1u);
  EXPECT_TRUE(b->wakes.empty());  // behind a
  EXPECT_EQ(c->wakes.size(), 1u);
  EXPECT_TRUE(d->wakes.empty());  // another database
}

TEST(BlockingRegistryTest, RequestUnblockPostsToTheClientOnlyWhileBlocked) {
  net::EventLoop loop;
  BlockingRegistry reg;
  auto a = std::make_shared<FakeClient>(&loop, 7);
  EXPECT_FALSE(reg.RequestUnblock(7, false));
  uint64_t seq = reg.Block(a, 0, Keys({"k"}));
  EXPECT_TRUE(reg.RequestUnblock(7, true));
  EXPECT_FALSE(reg.RequestUnblock(8, true));
  Drain(loop);
  ASSERT_EQ(a->unblocks.size(), 1u);
  EXPECT_EQ(a->unblocks[0].first, seq);
  EXPECT_TRUE(a->unblocks[0].second);
  reg.Unblock(a.get());
  EXPECT_FALSE(reg.RequestUnblock(7, false));
}

// Clients on several loops each pop one item from a shared counter of "items" guarded the way
// key locks guard a list; producers on other threads add items and signal. Every item must be
// consumed exactly once and every consumer served, whatever the interleaving.
class LoopClient final : public BlockedClient {
 public:
  LoopClient(net::EventLoop* loop, uint64_t id, BlockingRegistry* reg, std::mutex* mu, int* items,
             std::atomic<int>* served)
      : BlockedClient(loop, id), reg_(reg), mu_(mu), items_(items), served_(served) {}
  void Start(std::shared_ptr<LoopClient> self) {
    // As the dispatcher does: check and queue under the "key lock".
    std::lock_guard lock(*mu_);
    if (*items_ > 0) {
      --*items_;
      served_->fetch_add(1);
      return;
    }
    seq_ = reg_->Block(std::move(self), 0, std::vector<std::string>{"list"});
  }
  void OnKeyReady(uint64_t seq, storage::DbIndex, const std::string& key) override {
    if (seq != seq_ || done_) return;
    std::lock_guard lock(*mu_);
    if (*items_ > 0) {
      --*items_;
      done_ = true;
      std::string drained = key;
      reg_->Unblock(this, *items_ == 0 ? &drained : nullptr);
      served_->fetch_add(1);
    } else {
      reg_->NotServed(this, seq, 0, key, *items_ > 0);
    }
  }
  void OnUnblockRequest(uint64_t, bool) override {}

 private:
  BlockingRegistry* reg_;
  std::mutex* mu_;
  int* items_;
  std::atomic<int>* served_;
  uint64_t seq_ = 0;
  bool done_ = false;
};

TEST(BlockingRegistryTest, CrossThreadProducersServeEveryConsumerExactlyOnce) {
  constexpr int kLoops = 3, kConsumersPerLoop = 40, kProducers = 2;
  constexpr int kTotal = kLoops * kConsumersPerLoop;
  BlockingRegistry reg;
  std::mutex mu;
  int items = 0;
  std::atomic<int> served{0};
  std::vector<std::unique_ptr<net::EventLoop>> loops;
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<LoopClient>> clients;
  for (int l = 0; l < kLoops; ++l) loops.push_back(std::make_unique<net::EventLoop>());
  for (int l = 0; l < kLoops; ++l) {
    for (int i = 0; i < kConsumersPerLoop; ++i) {
      auto c = std::make_shared<LoopClient>(loops[l].get(), l * 1000 + i + 1, &reg, &mu, &items,
                                            &served);
      clients.push_back(c);
      loops[l]->Post([c] { c->Start(c); });
    }
    threads.emplace_back([&, l] { loops[l]->Run(); });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < kTotal / kProducers; ++i) {
        {
          std::lock_guard lock(mu);
          ++items;
        }
        reg.SignalReady(0, std::vector<std::string>{"list"});
        if (i % 7 == 0) std::this_thread::yield();
      }
    });
  }
  for (auto& t : producers) t.join();
  // Wait for the hand-offs to settle (bounded by progress, not by a clock).
  for (int spin = 0; served.load() < kTotal && spin < 2'000'000; ++spin) std::this_thread::yield();
  for (auto& loop : loops) loop->Stop();
  for (auto& t : threads) t.join();
  EXPECT_EQ(served.load(), kTotal);
  EXPECT_EQ(items, 0);
  EXPECT_EQ(reg.blocked_clients(), 0u);
}

}  // namespace
}  // namespace ferrite::server
