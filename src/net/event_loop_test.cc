#include "net/event_loop.h"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "net/socket.h"

namespace ferrite::net {
namespace {

TEST(EventLoopTest, RunsTasksPostedFromOtherThreadsAndStops) {
  EventLoop loop;
  ASSERT_TRUE(loop.ok());
  int ran = 0;
  std::thread poster([&] {
    for (int i = 0; i < 100; ++i) loop.Post([&] { ++ran; });
    loop.Post([&] { loop.Stop(); });
  });
  loop.Run();
  poster.join();
  EXPECT_EQ(ran, 100);
}

class PipeReader : public Watcher {
 public:
  explicit PipeReader(int fd, EventLoop* loop) : fd_(fd), loop_(loop) {}
  void OnEvents(uint32_t events) override {
    char buf[16];
    ssize_t n = read(fd_, buf, sizeof(buf));
    if (n > 0) got_.append(buf, n);
    if (got_ == "hello") loop_->Stop();
  }
  std::string got_;

 private:
  int fd_;
  EventLoop* loop_;
};

TEST(EventLoopTest, DeliversReadinessToWatchers) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  PipeReader reader(fds[0], &loop);
  ASSERT_TRUE(loop.Add(fds[0], EPOLLIN, &reader));
  ASSERT_EQ(write(fds[1], "hello", 5), 5);
  loop.Run();
  EXPECT_EQ(reader.got_, "hello");
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoopTest, TimersFire) {
  EventLoop loop;
  int ticks = 0;
  loop.RunEvery(1, [&] {
    if (++ticks == 3) loop.Stop();
  });
  loop.Run();
  EXPECT_EQ(ticks, 3);
}

TEST(EventLoopTest, OneShotTimersFireOnceInDeadlineOrderAndCanBeCancelled) {
  EventLoop loop;
  std::vector<int> fired;
  EventLoop::TimerId cancelled = loop.RunAfter(1, [&] { fired.push_back(99); });
  loop.RunAfter(3, [&] {
    fired.push_back(2);
    loop.Stop();
  });
  loop.RunAfter(0, [&] { fired.push_back(1); });
  loop.Cancel(cancelled);
  loop.Cancel(cancelled);  // twice: a no-op
  loop.Run();
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
  EXPECT_EQ(loop.pending_one_shot_timers(), 0u);
}

TEST(EventLoopTest, OneShotTimerMayCancelAnotherFromItsCallback) {
  EventLoop loop;
  bool second_ran = false;
  EventLoop::TimerId second = 0;
  loop.RunAfter(0, [&] { loop.Cancel(second); });
  second = loop.RunAfter(1, [&] { second_ran = true; });
  loop.RunAfter(5, [&] { loop.Stop(); });
  loop.Run();
  EXPECT_FALSE(second_ran);
}

TEST(SocketTest, ListensOnAFreePortAndReportsIt) {
  auto fd = Listen("127.0.0.1", 0, 16);
  ASSERT_TRUE(fd.has_value()) << fd.error().ToString();
  auto port = BoundPort(*fd);
  ASSERT_TRUE(port.has_value());
  EXPECT_GT(*port, 0);
  EXPECT_FALSE(Listen("not-an-ip", 0, 16).has_value());
  close(*fd);
}

}  // namespace
}  // namespace ferrite::net
