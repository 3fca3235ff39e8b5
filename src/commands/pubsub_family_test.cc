// Pub/Sub commands in-process: exact confirmation bytes in RESP2 and RESP3, counts, the
// no-argument UNSUBSCRIBE forms, PUBLISH receivers and the PUBSUB introspection subcommands.
// Delivery itself (cross-loop) is tested in server/pubsub_test.cc and the integration tests.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "commands/testing/command_fixture.h"
#include "net/event_loop.h"
#include "server/pubsub.h"

namespace ferrite::commands {
namespace {

class RecordingSubscriber final : public server::Subscriber {
 public:
  explicit RecordingSubscriber(net::EventLoop* loop) : Subscriber(loop) {}
  void Deliver(const server::PubSubMessage& m) override {
    got.push_back(m.channel + ":" + m.payload);
  }
  std::vector<std::string> got;
};

class PubSubFamilyTest : public testing::CommandFixture {
 protected:
  PubSubFamilyTest() {
    subscriber_ = std::make_shared<RecordingSubscriber>(&loop_);
    client_.subscriber = subscriber_;
  }
  ~PubSubFamilyTest() override { server::UnsubscribeAll(server_.pubsub(), client_); }
  void Drain() {
    loop_.Stop();
    loop_.Run();
  }
  net::EventLoop loop_;
  std::shared_ptr<RecordingSubscriber> subscriber_;
};

TEST_F(PubSubFamilyTest, SubscribeConfirmsEachChannelWithTheRunningCount) {
  EXPECT_EQ(Run({"SUBSCRIBE", "a", "b", "a"}),
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
            "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n");
  // Patterns share the count with channels; shard channels have their own.
  EXPECT_EQ(Run({"PSUBSCRIBE", "p*"}), "*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n");
  EXPECT_EQ(Run({"SSUBSCRIBE", "s"}), "*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n");
  EXPECT_EQ(client_.pubsub.total(), 4u);
}

TEST_F(PubSubFamilyTest, Resp3ConfirmationsArePushes) {
  client_.protocol = 3;
  EXPECT_EQ(Run({"SUBSCRIBE", "a"}), ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Run({"UNSUBSCRIBE"}), ">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n");
  EXPECT_EQ(Run({"PUNSUBSCRIBE"}), ">3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n");
}

TEST_F(PubSubFamilyTest, UnsubscribeForms) {
  Run({"SUBSCRIBE", "a"});
  Run({"PSUBSCRIBE", "x*"});
  EXPECT_EQ(Run({"UNSUBSCRIBE", "nope"}), "*3\r\n$11\r\nunsubscribe\r\n$4\r\nnope\r\n:2\r\n");
  EXPECT_EQ(Run({"UNSUBSCRIBE"}), "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Run({"UNSUBSCRIBE"}), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:1\r\n");
  EXPECT_EQ(Run({"PUNSUBSCRIBE", "x*"}), "*3\r\n$12\r\npunsubscribe\r\n$2\r\nx*\r\n:0\r\n");
  EXPECT_EQ(Run({"SUNSUBSCRIBE"}), "*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(client_.pubsub.total(), 0u);
}

TEST_F(PubSubFamilyTest, PublishCountsReceiversAndQueuesDelivery) {
  Run({"SUBSCRIBE", "news"});
  Run({"PSUBSCRIBE", "n*"});
  EXPECT_EQ(Run({"PUBLISH", "news", "hi"}), ":2\r\n");
  EXPECT_EQ(Run({"PUBLISH", "other", "x"}), ":0\r\n");
  EXPECT_EQ(Run({"SPUBLISH", "news", "x"}), ":0\r\n");
  Drain();
  EXPECT_EQ(subscriber_->got, (std::vector<std::string>{"news:hi", "news:hi"}));
}

TEST_F(PubSubFamilyTest, Introspection) {
  Run({"SUBSCRIBE", "chan"});
  Run({"PSUBSCRIBE", "a*", "b*"});
  Run({"SSUBSCRIBE", "shard"});
  EXPECT_EQ(Run({"PUBSUB", "CHANNELS"}), "*1\r\n$4\r\nchan\r\n");
  EXPECT_EQ(Run({"PUBSUB", "CHANNELS", "x*"}), "*0\r\n");
  EXPECT_EQ(Run({"PUBSUB", "NUMSUB", "chan", "zz"}),
            "*4\r\n$4\r\nchan\r\n:1\r\n$2\r\nzz\r\n:0\r\n");
  EXPECT_EQ(Run({"PUBSUB", "NUMSUB"}), "*0\r\n");
  EXPECT_EQ(Run({"PUBSUB", "NUMPAT"}), ":2\r\n");
  EXPECT_EQ(Run({"PUBSUB", "SHARDCHANNELS"}), "*1\r\n$5\r\nshard\r\n");
  EXPECT_EQ(Run({"PUBSUB", "SHARDNUMSUB", "shard"}), "*2\r\n$5\r\nshard\r\n:1\r\n");
  EXPECT_EQ(Run({"PUBSUB", "CHANNELS", "a", "b"}),
            "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB "
            "HELP.\r\n");
  EXPECT_EQ(Run({"PUBSUB", "HELP"}).substr(0, 5), "*14\r\n");
}

}  // namespace
}  // namespace ferrite::commands
