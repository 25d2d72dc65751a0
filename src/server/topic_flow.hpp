// TopicFlow: producer flow control across a server's workers. A topic is blocked while any of
// its subscribers, on any thread, whose policy for it is `backpressure` holds more than its low
// watermark in its send queue; and every topic is blocked while publishes bound for another
// worker's loop wait there past the same mark, so a producer cannot outrun a thread it does not
// see. Producers ask blocked() before they publish and park a callback with when_unblocked();
// workers report only transitions, so the lock here is not taken per message.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::detail {

class EventLoop;

class TopicFlow {
 public:
  // Cross-thread publishes a worker may have waiting, in bytes, before every topic is blocked.
  void set_inbound_limit(std::size_t bytes) { inbound_limit_ = bytes; }

  bool blocked(std::string_view topic) const;  // any thread
  // Runs `fn` on `loop` once `topic` is not blocked: in the loop's next turn if it is not now.
  void when_unblocked(std::string_view topic, EventLoop& loop, std::function<void()> fn);

  // A worker's subscribers of `topic` began to hold it back (the first of them on that worker);
  // release(): they all stopped.
  void hold(std::string_view topic);
  void release(std::string_view topic);

  // `pending` is one worker's count of bytes published to it from other threads and not yet
  // handed to its subscribers.
  void inbound_added(std::atomic<std::size_t>& pending, std::size_t bytes);
  void inbound_done(std::atomic<std::size_t>& pending, std::size_t bytes);

 private:
  struct Waiter {
    std::string topic;
    EventLoop* loop;
    std::function<void()> fn;
  };
  bool blocked_locked(std::string_view topic) const;
  void update_any_locked();
  void wake_ready_locked(std::vector<Waiter>& ready);

  std::size_t inbound_limit_ = 256 * 1024;
  mutable std::mutex mutex_;
  std::map<std::string, std::uint32_t, std::less<>> holders_;  // workers holding each topic back
  int inbound_over_ = 0;  // workers past the inbound limit (a crossing may be counted out of order)
  std::vector<Waiter> waiters_;
  // Whether anything is blocked at all: false, the usual case, answers blocked() without a lock.
  std::atomic<bool> any_{false};
};

}  // namespace sluice::detail
