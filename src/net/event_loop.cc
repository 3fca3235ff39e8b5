#include "net/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/clock.h"

namespace ferrite::net {

// Drains the eventfd so Post()'s wake-ups don't keep the loop spinning.
class EventLoop::Waker final : public Watcher {
 public:
  explicit Waker(int fd) : fd_(fd) {}
  void OnEvents(uint32_t) override {
    uint64_t value;
    while (read(fd_, &value, sizeof(value)) > 0) {
    }
  }

 private:
  int fd_;
};

EventLoop::EventLoop() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (ok()) {
    waker_ = std::make_unique<Waker>(wake_fd_);
    Add(wake_fd_, EPOLLIN, waker_.get());
  }
}

EventLoop::~EventLoop() {
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

bool EventLoop::Add(int fd, uint32_t events, Watcher* watcher) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = watcher;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::Modify(int fd, uint32_t events, Watcher* watcher) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = watcher;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::Remove(int fd) { epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::Post(std::function<void()> task) {
  {
    std::lock_guard lock(tasks_mu_);
    tasks_.push_back(std::move(task));
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
}

void EventLoop::RunEvery(int interval_ms, std::function<void()> fn) {
  timers_.push_back(Timer{interval_ms, MonotonicMs() + interval_ms, std::move(fn)});
}

EventLoop::TimerId EventLoop::RunAfter(int64_t delay_ms, std::function<void()> fn) {
  TimerId id = next_timer_id_++;
  int64_t deadline = MonotonicMs() + std::max<int64_t>(delay_ms, 0);
  one_shots_.emplace(std::make_pair(deadline, id), std::move(fn));
  one_shot_deadlines_.emplace(id, deadline);
  return id;
}

void EventLoop::Cancel(TimerId id) {
  auto it = one_shot_deadlines_.find(id);
  if (it == one_shot_deadlines_.end()) return;
  one_shots_.erase(std::make_pair(it->second, id));
  one_shot_deadlines_.erase(it);
}

void EventLoop::DeferDelete(std::unique_ptr<Watcher> watcher) {
  graveyard_.push_back(std::move(watcher));
}

void EventLoop::Stop() {
  stopping_.store(true, std::memory_order_release);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
}

void EventLoop::RunTasks() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(tasks_mu_);
    batch.swap(tasks_);
  }
  for (auto& task : batch) task();
}

int EventLoop::RunTimers() {
  if (timers_.empty() && one_shots_.empty()) return -1;
  int64_t now = MonotonicMs();
  int64_t next = INT64_MAX;
  // A one-shot callback may add or cancel timers: take each due entry out before running it.
  while (!one_shots_.empty() && one_shots_.begin()->first.first <= now) {
    auto node = one_shots_.extract(one_shots_.begin());
    one_shot_deadlines_.erase(node.key().second);
    node.mapped()();
  }
  if (!one_shots_.empty()) next = one_shots_.begin()->first.first;
  for (Timer& t : timers_) {
    if (now >= t.next_ms) {
      t.fn();
      t.next_ms = now + t.interval_ms;
    }
    if (t.next_ms < next) next = t.next_ms;
  }
  return static_cast<int>(next > now ? next - now : 0);
}

void EventLoop::Run() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  while (!stopping_.load(std::memory_order_acquire)) {
    int timeout = RunTimers();
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      static_cast<Watcher*>(events[i].data.ptr)->OnEvents(events[i].events);
    }
    RunTasks();
    graveyard_.clear();
  }
  RunTasks();
  graveyard_.clear();
}

}  // namespace ferrite::net
