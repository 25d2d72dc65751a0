// Loop: an event loop the application runs itself, for clients (a Server runs its own loops).
// One Loop per thread; everything attached to it runs on the thread that calls run().
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "sluice/io_watch.hpp"

namespace sluice {

namespace detail {
class EventLoop;
}

// The loop a connection lives on, for work that must run there: copy it freely; post() may be
// called from any thread while the loop runs. The task runs inside a loop turn, where the
// connection may already be gone: it checks its own state before it touches one. A loop holds
// at most 65,536 waiting tasks (a server's: ServerOptions::max_posted_tasks); past that, post()
// refuses the task and returns false.
class LoopHandle {
 public:
  explicit LoopHandle(detail::EventLoop* loop) : loop_(loop) {}
  bool post(std::function<void()> task) const;
  bool operator==(const LoopHandle&) const = default;

 private:
  detail::EventLoop* loop_;
};

class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  void run();                             // until stop()
  void stop();                            // any thread
  bool post(std::function<void()> task);  // any thread; runs inside a loop turn (false: full)

  // Calls `fn` once, `delay` from now (loop thread).
  void after(std::chrono::milliseconds delay, std::function<void()> fn);
  // Calls `on_readable` whenever `fd` (owned by the caller) is readable (loop thread). False
  // when the fd cannot be watched (not open, or a kind epoll does not take, such as a file).
  bool watch(int fd, std::function<void()> on_readable);
  // The same with an interest (readable, writable, both or none) and what was ready; the
  // interest changes with set_interest() (sluice/io_watch.hpp).
  bool watch(int fd, IoInterest interest, IoCallback on_io);
  void set_interest(int fd, IoInterest interest);
  void set_paused(int fd, bool paused);
  void unwatch(int fd);
  // Calls `handler` on this loop when `signo` arrives. Call before starting other threads: the
  // signal is blocked in the calling thread, and threads started later inherit that.
  void on_signal(int signo, std::function<void()> handler);

  detail::EventLoop& native();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
