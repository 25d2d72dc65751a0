// EventLoop: one epoll instance per thread. It dispatches readiness to LoopClients found
// through epoll_event.data.ptr, runs due timers, then calls every deferred client (the corked
// flushes) before it sleeps again; a client handling its own event may hold its deferrals and
// do that work itself when the event is handled. post() is the one thread-safe entry, woken by
// an eventfd; its queue is bounded in tasks like every other queue, and a burst of posts wakes
// the loop once.
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <chrono>

#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "loop/loop_client.hpp"
#include "loop/timer_wheel.hpp"
#include "net/fd.hpp"

struct epoll_event;  // <sys/epoll.h> is the loop's .cpp's alone

namespace sluice::detail {

// The monotonic clock in units of 16 microseconds, wrapping at 32 bits.
std::uint32_t monotonic_16us();

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // 0, or the errno of a refusal (a bad or closed fd): the caller closes what it could not watch.
  [[nodiscard]] int watch(int fd, LoopClient* client, bool want_read, bool want_write);
  void rewatch(int fd, LoopClient* client, bool want_read, bool want_write);
  void unwatch(int fd);

  void run();   // until stop()
  void stop();  // loop thread only; run() returns after the current iteration
  // Any thread: runs `task` in a loop turn. False, and counted, when the loop already has
  // post_limit() tasks waiting.
  bool post(std::function<void()> task);
  // Any thread, never refused: for the engine's own tasks, which are few by construction (one
  // per stop, certificate reload, trim pass or parked producer).
  void post_control(std::function<void()> task);
  void set_post_limit(std::size_t tasks) { post_limit_ = tasks; }
  std::size_t post_limit() const { return post_limit_; }
  std::uint64_t posts_refused() const { return posts_refused_.load(std::memory_order_relaxed); }
  std::uint64_t post_wakeups() const { return post_wakeups_.load(std::memory_order_relaxed); }

  // Calls client->on_before_sleep() once before the loop next sleeps (while it holds its
  // deferrals, notes that it asked instead).
  void defer(LoopClient* client) {
    if (client->deferral != Deferral::none) {
      client->deferral = static_cast<Deferral>(static_cast<std::uint8_t>(client->deferral) | 1);
      return;
    }
    client->deferral = Deferral::queued;
    deferred_.push_back(client);
  }
  // A client about to handle its own event holds what it defers meanwhile, so that it can do
  // that work itself when the event is handled: false if it is queued already (then the pass
  // does it, as before).
  static bool hold_deferrals(LoopClient* client) {
    if (client->deferral != Deferral::none) return false;
    client->deferral = Deferral::held;
    return true;
  }
  // Ends hold_deferrals(): true if anything deferred the client meanwhile.
  static bool release_deferrals(LoopClient* client) {
    const bool asked = client->deferral == Deferral::asked;
    client->deferral = Deferral::none;
    return asked;
  }
  // Drops every pending call to `client` (deferred, timed, or an event later in the batch being
  // dispatched): it is about to be freed.
  void forget(LoopClient* client);
  void schedule(LoopClient* client, std::chrono::milliseconds after);
  void cancel_timer(LoopClient* client) { wheel_.cancel(*client); }

  std::uint64_t now_ms() const { return now_ms_; }  // monotonic, refreshed once per wake-up
  // monotonic_16us(), read at most once per wake-up and once per before-sleep pass: every write
  // of one flush shares one reading (send/delivery_latency.hpp).
  std::uint32_t delivery_now() {
    if (!delivery_now_fresh_) {
      delivery_now_ = monotonic_16us();
      delivery_now_fresh_ = true;
    }
    return delivery_now_;
  }
  // True while the loop handles events: sends are corked until the loop is about to sleep.
  bool dispatching() const { return dispatching_; }
  // Corks sends for a scope even outside event handling (a publish walking its subscribers).
  class Cork {
   public:
    explicit Cork(EventLoop& loop) : loop_(loop), was_(loop.dispatching_) { loop.dispatching_ = true; }
    ~Cork() { loop_.dispatching_ = was_; }
    Cork(const Cork&) = delete;
    Cork& operator=(const Cork&) = delete;

   private:
    EventLoop& loop_;
    bool was_;
  };
  // Scratch space for reads, shared by every connection of this loop.
  std::uint8_t* scratch() { return scratch_.get(); }
  static constexpr std::size_t kScratchSize = 64 * 1024;
  // Room for one gather write of IOV_MAX slices, shared by every connection of this loop (on
  // the heap: on the stack, stack-clash probing would touch all of it on every flush).
  iovec* iovecs() { return iovecs_.get(); }

 private:
  class Wakeup;
  void refresh_now();
  int wait_timeout_ms() const;
  void run_deferred();
  void run_posted();
  bool enqueue(std::function<void()> task, std::size_t limit);  // any thread
  void wake();                                                  // any thread: writes the eventfd
  std::uint32_t tick_of(std::uint64_t ms) const {
    return static_cast<std::uint32_t>((ms - epoch_ms_) / TimerWheel::kTickMs);
  }

  Fd epoll_;
  Fd event_fd_;
  std::unique_ptr<Wakeup> wakeup_;
  TimerWheel wheel_;
  static constexpr int kMaxEvents = 256;
  // The batch epoll_wait returned, while it is dispatched: forget() clears its entries.
  ::epoll_event* batch_ = nullptr;
  int batch_size_ = 0;
  std::vector<LoopClient*> deferred_;  // reused every turn; never shrinks below its peak
  std::vector<LoopClient*> running_;
  std::uint64_t epoch_ms_ = 0;
  std::uint64_t now_ms_ = 0;
  std::uint32_t delivery_now_ = 0;
  bool delivery_now_fresh_ = false;
  bool dispatching_ = false;
  bool stopped_ = false;
  std::unique_ptr<std::uint8_t[]> scratch_;
  std::unique_ptr<iovec[]> iovecs_;

  std::mutex post_mutex_;
  std::vector<std::function<void()>> posted_;
  std::vector<std::function<void()>> running_posted_;  // the turn's tasks, outside the lock
  std::size_t post_limit_ = 65'536;
  bool post_wake_armed_ = true;  // the loop took every task: the next post writes the eventfd
  std::atomic<std::uint64_t> posts_refused_{0};
  std::atomic<std::uint64_t> post_wakeups_{0};
};

}  // namespace sluice::detail
