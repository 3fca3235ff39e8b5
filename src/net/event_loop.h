#pragma once
// EventLoop: one epoll reactor per thread. It watches file descriptors, runs tasks posted from
// other threads (woken through an eventfd), runs periodic timers (the per-loop cron) and
// one-shot timers that can be cancelled (blocking-command timeouts).
//
// Thread safety: Post() and Stop() may be called from any thread; everything else only from the
// loop's own thread (or before Run() starts). Watchers must stay alive until they are removed;
// objects that remove themselves from inside a callback should defer their destruction with
// DeferDelete(), which runs after the current batch of events.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
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
  // One-shot timer: runs `fn` once, `delay_ms` from now, unless cancelled first. Ids are never
  // reused, so cancelling a timer that already ran (or was cancelled) is a harmless no-op.
  using TimerId = uint64_t;
  TimerId RunAfter(int64_t delay_ms, std::function<void()> fn);
  void Cancel(TimerId id);
  size_t pending_one_shot_timers() const { return one_shots_.size(); }
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
  // One-shot timers by (deadline, id): the first entry is the next to fire.
  std::map<std::pair<int64_t, TimerId>, std::function<void()>> one_shots_;
  std::map<TimerId, int64_t> one_shot_deadlines_;
  TimerId next_timer_id_ = 1;
  std::vector<std::unique_ptr<Watcher>> graveyard_;
  std::unique_ptr<Waker> waker_;
};

}  // namespace ferrite::net
