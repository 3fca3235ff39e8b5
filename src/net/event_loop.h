#pragma once
// EventLoop: one epoll reactor per thread. It watches file descriptors, runs tasks posted from
// other threads (woken through an eventfd), and runs periodic timers (the per-loop cron).
//
// Thread safety: Post() and Stop() may be called from any thread; everything else only from the
// loop's own thread (or before Run() starts). Watchers must stay alive until they are removed;
// objects that remove themselves from inside a callback should defer their destruction with
// DeferDelete(), which runs after the current batch of events.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace ferrite::net {

class Watcher {
 public:
  virtual ~Watcher() = default;
  // `events` is a mask of EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP.
  virtual void OnEvents(uint32_t events) = 0;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool ok() const { return epoll_fd_ >= 0 && wake_fd_ >= 0; }

  // Registers `fd` for `events` (EPOLLIN, EPOLLOUT, EPOLLEXCLUSIVE...). Returns false on error.
  bool Add(int fd, uint32_t events, Watcher* watcher);
  bool Modify(int fd, uint32_t events, Watcher* watcher);
  void Remove(int fd);

  void Post(std::function<void()> task);
  void RunEvery(int interval_ms, std::function<void()> fn);
  void DeferDelete(std::unique_ptr<Watcher> watcher);

  void Run();   // returns after Stop()
  void Stop();  // any thread

 private:
  struct Timer {
    int interval_ms;
    int64_t next_ms;
    std::function<void()> fn;
  };
  class Waker;

  void RunTasks();
  int RunTimers();  // returns ms until the next timer

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex tasks_mu_;
  std::vector<std::function<void()>> tasks_;  // GUARDED_BY(tasks_mu_)
  std::vector<Timer> timers_;
  std::vector<std::unique_ptr<Watcher>> graveyard_;
  std::unique_ptr<Waker> waker_;
};

}  // namespace ferrite::net
