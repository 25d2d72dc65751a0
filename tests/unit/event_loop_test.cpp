// EventLoop's rules (src/loop/event_loop.*), over real eventfds and socketpairs: deferred
// clients run once, after the whole batch and before the loop sleeps; forget() drops every
// pending call; Cork corks; post() runs tasks on the loop thread in order; timers never fire
// early; hang-ups reach both the read and the write side.
#include "loop/event_loop.hpp"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace sluice::detail {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A LoopClient that counts its calls and runs what the test gives it.
class Probe final : public LoopClient {
 public:
  void on_io(std::uint32_t events) override {
    ++io_calls;
    last_events = events;
    if (io) io(events);
  }
  void on_timer() override {
    ++timer_calls;
    if (timer) timer();
  }
  void on_before_sleep() override {
    ++sleep_calls;
    if (before_sleep) before_sleep();
  }

  std::function<void(std::uint32_t)> io;
  std::function<void()> timer;
  std::function<void()> before_sleep;
  int io_calls = 0;
  int timer_calls = 0;
  int sleep_calls = 0;
  std::uint32_t last_events = 0;
};

// A readable-on-demand fd.
class EventFd {
 public:
  EventFd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) { EXPECT_TRUE(fd_.valid()); }
  int fd() const { return fd_.get(); }
  void signal() {
    std::uint64_t one = 1;
    EXPECT_EQ(::write(fd_.get(), &one, sizeof one), static_cast<ssize_t>(sizeof one));
  }
  void drain() {
    std::uint64_t v;
    while (::read(fd_.get(), &v, sizeof v) > 0) {
    }
  }

 private:
  Fd fd_;
};

// Runs `loop` on this thread until the test's own callbacks stop it. A loop that does not stop
// within `limit` is stopped from outside and fails the test: a missed wake-up shows as a
// failure, not as a hung suite.
void run_bounded(EventLoop& loop, milliseconds limit = milliseconds(20'000)) {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  bool fired = false;
  std::thread watchdog([&] {
    std::unique_lock lock(m);
    if (!cv.wait_for(lock, limit, [&] { return done; })) {
      fired = true;
      loop.post_control([&loop] { loop.stop(); });
    }
  });
  loop.run();
  {
    std::lock_guard lock(m);
    done = true;
  }
  cv.notify_one();
  watchdog.join();
  EXPECT_FALSE(fired) << "the loop did not stop by itself within " << limit.count() << " ms";
}

// A timer that stops the loop: the end of a test that checks something does not happen.
void stop_after(EventLoop& loop, Probe& stopper, milliseconds after) {
  stopper.timer = [&loop] { loop.stop(); };
  loop.schedule(&stopper, after);
}

TEST(EventLoop, ADeferredClientRunsOnceBeforeTheLoopSleeps) {
  EventLoop loop;
  EventFd ev;
  Probe p;
  p.io = [&](std::uint32_t) {
    ev.drain();
    EXPECT_TRUE(loop.dispatching());
    loop.defer(&p);
    loop.defer(&p);  // twice in one turn: still one call
  };
  // Nothing else will wake the loop: if it slept before this ran, it would sleep for good.
  p.before_sleep = [&] {
    EXPECT_FALSE(loop.dispatching());
    loop.stop();
  };
  ASSERT_EQ(loop.watch(ev.fd(), &p, true, false), 0);
  ev.signal();
  run_bounded(loop);
  EXPECT_EQ(p.io_calls, 1);
  EXPECT_EQ(p.sleep_calls, 1);
  EXPECT_EQ(p.deferral, Deferral::none);
}

TEST(EventLoop, AClientHoldingItsDeferralsIsToldItWasAskedAndIsNotQueued) {
  // A connection handling its own read holds its deferrals and flushes itself afterwards; a
  // deferral by someone else in the meantime is noted the same way, never run twice.
  EventLoop loop;
  EventFd ev;
  Probe p, other, stopper;
  bool asked = false, asked_again = true;
  p.io = [&](std::uint32_t) {
    ev.drain();
    ASSERT_TRUE(EventLoop::hold_deferrals(&p));
    EXPECT_EQ(p.deferral, Deferral::held);
    loop.defer(&p);
    loop.defer(&p);
    EXPECT_EQ(p.deferral, Deferral::asked);
    loop.defer(&other);  // not holding: queued as before
    asked = EventLoop::release_deferrals(&p);
    EXPECT_EQ(p.deferral, Deferral::none);
    ASSERT_TRUE(EventLoop::hold_deferrals(&p));
    asked_again = EventLoop::release_deferrals(&p);
    loop.defer(&stopper);
  };
  stopper.before_sleep = [&] { loop.stop(); };
  ASSERT_EQ(loop.watch(ev.fd(), &p, true, false), 0);
  ev.signal();
  run_bounded(loop);
  EXPECT_TRUE(asked);
  EXPECT_FALSE(asked_again) << "nothing deferred it the second time";
  EXPECT_EQ(p.sleep_calls, 0) << "its own deferrals were held, not queued";
  EXPECT_EQ(other.sleep_calls, 1);
}

TEST(EventLoop, AClientAlreadyQueuedDoesNotHoldItsDeferrals) {
  EventLoop loop;
  EventFd ev;
  Probe p;
  bool held = true;
  p.io = [&](std::uint32_t) {
    ev.drain();
    loop.defer(&p);
    held = EventLoop::hold_deferrals(&p);
    loop.defer(&p);
  };
  p.before_sleep = [&] { loop.stop(); };
  ASSERT_EQ(loop.watch(ev.fd(), &p, true, false), 0);
  ev.signal();
  run_bounded(loop);
  EXPECT_FALSE(held) << "queued already: the pass runs it";
  EXPECT_EQ(p.sleep_calls, 1);
  EXPECT_EQ(p.deferral, Deferral::none);
}

TEST(EventLoop, DeferredClientsRunAfterTheWholeBatch) {
  EventLoop loop;
  EventFd ev_a, ev_b;
  Probe a, b, flusher;
  auto io = [&](EventFd& ev) {
    return [&](std::uint32_t) {
      ev.drain();
      loop.defer(&flusher);
    };
  };
  a.io = io(ev_a);
  b.io = io(ev_b);
  int a_seen = -1, b_seen = -1;
  flusher.before_sleep = [&] {
    a_seen = a.io_calls;
    b_seen = b.io_calls;
    loop.stop();
  };
  ASSERT_EQ(loop.watch(ev_a.fd(), &a, true, false), 0);
  ASSERT_EQ(loop.watch(ev_b.fd(), &b, true, false), 0);
  ev_a.signal();
  ev_b.signal();  // both ready before the first epoll_wait: one batch
  run_bounded(loop);
  EXPECT_EQ(a_seen, 1);
  EXPECT_EQ(b_seen, 1);
  EXPECT_EQ(flusher.sleep_calls, 1) << "deferred by two clients in one turn, run once";
}

TEST(EventLoop, AClientDeferredWhileTheDeferredRunStillRunsBeforeSleeping) {
  // A flush that defers more work (a close after the last byte) needs no further wake-up.
  EventLoop loop;
  Probe first, second;
  first.before_sleep = [&] { loop.defer(&second); };
  second.before_sleep = [&] { loop.stop(); };
  loop.defer(&first);
  run_bounded(loop);
  EXPECT_EQ(first.sleep_calls, 1);
  EXPECT_EQ(second.sleep_calls, 1);
}

TEST(EventLoop, AClientThatKeepsDeferringItselfDoesNotStarveTheLoop) {
  EventLoop loop;
  Probe greedy;
  greedy.before_sleep = [&] { loop.defer(&greedy); };
  loop.defer(&greedy);
  bool posted_ran = false;
  loop.post([&] {
    posted_ran = true;
    loop.stop();
  });
  run_bounded(loop);
  EXPECT_TRUE(posted_ran);
  EXPECT_GE(greedy.sleep_calls, 2);
}

TEST(EventLoop, ForgetDropsALaterEventOfTheSameBatch) {
  EventLoop loop;
  EventFd ev_a, ev_b;
  Probe a, b;
  // Whichever of the two runs first frees the other, as a posted task destroying a Client
  // would: the other's event, still in the batch, must not reach it.
  auto io = [&](Probe& other, EventFd& other_ev) {
    return [&](std::uint32_t) {
      loop.unwatch(other_ev.fd());
      loop.forget(&other);
      loop.stop();
    };
  };
  a.io = io(b, ev_b);
  b.io = io(a, ev_a);
  ASSERT_EQ(loop.watch(ev_a.fd(), &a, true, false), 0);
  ASSERT_EQ(loop.watch(ev_b.fd(), &b, true, false), 0);
  ev_a.signal();
  ev_b.signal();
  run_bounded(loop);
  EXPECT_EQ(a.io_calls + b.io_calls, 1);
}

TEST(EventLoop, ForgetDropsAPendingDeferralAndTimer) {
  EventLoop loop;
  EventFd ev;
  Probe trigger, doomed, stopper;
  trigger.io = [&](std::uint32_t) {
    ev.drain();
    loop.defer(&doomed);
    loop.schedule(&doomed, milliseconds(10));
    loop.forget(&doomed);
    stop_after(loop, stopper, milliseconds(200));
  };
  ASSERT_EQ(loop.watch(ev.fd(), &trigger, true, false), 0);
  ev.signal();
  run_bounded(loop);
  EXPECT_EQ(stopper.timer_calls, 1);
  EXPECT_EQ(doomed.sleep_calls, 0);
  EXPECT_EQ(doomed.timer_calls, 0);
  EXPECT_EQ(doomed.deferral, Deferral::none);
}

TEST(EventLoop, ForgetDuringTheDeferredRunDropsAClientNotYetRun) {
  EventLoop loop;
  Probe first, second, third;
  first.before_sleep = [&] { loop.forget(&second); };
  third.before_sleep = [&] { loop.stop(); };
  loop.defer(&first);
  loop.defer(&second);
  loop.defer(&third);
  run_bounded(loop);
  EXPECT_EQ(first.sleep_calls, 1);
  EXPECT_EQ(second.sleep_calls, 0);
  EXPECT_EQ(third.sleep_calls, 1);
}

TEST(EventLoop, UnwatchedFdsReportNothingMore) {
  EventLoop loop;
  EventFd ev;
  Probe p, stopper;
  p.io = [&](std::uint32_t) {
    loop.unwatch(ev.fd());  // still readable: level-triggered, it would fire every turn
    stop_after(loop, stopper, milliseconds(150));
  };
  ASSERT_EQ(loop.watch(ev.fd(), &p, true, false), 0);
  ev.signal();
  run_bounded(loop);
  EXPECT_EQ(p.io_calls, 1);
}

TEST(EventLoop, WatchingABadFdReportsItsErrorAndTheLoopGoesOn) {
  EventLoop loop;
  Probe p;
  EXPECT_EQ(loop.watch(-1, &p, true, false), EBADF);
  EventFd ev;
  EXPECT_EQ(loop.watch(ev.fd(), &p, true, false), 0);
}

TEST(EventLoop, WriteInterestReportsWritableAndRewatchTurnsItOff) {
  EventLoop loop;
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
  Fd a(sv[0]), b(sv[1]);
  Probe p, stopper;
  p.io = [&](std::uint32_t events) {
    EXPECT_TRUE(events & io_event::writable);
    EXPECT_FALSE(events & io_event::readable);
    loop.rewatch(a.get(), &p, true, false);  // nothing to read: no more events
    stop_after(loop, stopper, milliseconds(150));
  };
  ASSERT_EQ(loop.watch(a.get(), &p, false, true), 0);
  run_bounded(loop);
  EXPECT_EQ(p.io_calls, 1);
}

TEST(EventLoop, AHangUpIsReportedAsReadableAndWritable) {
  EventLoop loop;
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
  Fd a(sv[0]), b(sv[1]);
  Probe p;
  p.io = [&](std::uint32_t) {
    loop.unwatch(a.get());
    loop.stop();
  };
  ASSERT_EQ(loop.watch(a.get(), &p, true, false), 0);  // read interest only
  b.reset();
  run_bounded(loop);
  ASSERT_EQ(p.io_calls, 1);
  EXPECT_TRUE(p.last_events & io_event::readable);
  EXPECT_TRUE(p.last_events & io_event::writable) << "the write side must see the hang-up too";
}

TEST(EventLoop, PostFromAnotherThreadRunsOnTheLoopThreadInOrder) {
  EventLoop loop;
  std::thread::id loop_thread;
  std::vector<int> order;  // loop thread only
  bool all_on_loop = true;
  bool corked = true;
  std::thread runner([&] {
    loop_thread = std::this_thread::get_id();
    run_bounded(loop);
  });
  // The loop may already sleep with nothing to wait for: each post must wake it.
  constexpr int kTasks = 100;
  for (int i = 0; i < kTasks; ++i) {
    loop.post([&, i] {
      all_on_loop = all_on_loop && std::this_thread::get_id() == loop_thread;
      corked = corked && loop.dispatching();
      order.push_back(i);
      if (i == kTasks - 1) loop.stop();
    });
  }
  runner.join();
  ASSERT_EQ(order.size(), static_cast<std::size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) EXPECT_EQ(order[i], i);
  EXPECT_TRUE(all_on_loop);
  EXPECT_TRUE(corked) << "posted tasks run inside a turn: their sends are corked";
}

TEST(EventLoop, ATaskPostedByATaskRunsInALaterTurn) {
  EventLoop loop;
  std::vector<int> order;
  loop.post([&] {
    order.push_back(1);
    loop.post([&] {
      order.push_back(3);
      loop.stop();
    });
    order.push_back(2);
  });
  run_bounded(loop);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoop, PostRefusesPastItsLimitCountsEachRefusalAndMakesRoomAsTasksRun) {
  EventLoop loop;
  loop.set_post_limit(3);
  int ran = 0;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(loop.post([&] { ++ran; }));
  EXPECT_FALSE(loop.post([&] { ran += 100; }));
  EXPECT_FALSE(loop.post([&] { ran += 100; }));
  EXPECT_EQ(loop.posts_refused(), 2u);
  // The engine's own tasks are never refused: a stop must get through a full queue.
  loop.post_control([&] { loop.stop(); });
  run_bounded(loop);
  EXPECT_EQ(ran, 3);
  EXPECT_TRUE(loop.post([&] { loop.stop(); })) << "the queue has room again once its tasks ran";
  run_bounded(loop);
  EXPECT_EQ(loop.posts_refused(), 2u);
}

TEST(EventLoop, ABurstOfPostsWakesTheLoopOnce) {
  EventLoop loop;
  int ran = 0;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(loop.post([&] { ++ran; }));
  EXPECT_EQ(loop.post_wakeups(), 1u) << "only the post that found the queue empty writes the eventfd";
  loop.post_control([&] { loop.stop(); });
  run_bounded(loop);
  EXPECT_EQ(ran, 100);
  ASSERT_TRUE(loop.post([&] { loop.stop(); }));
  EXPECT_EQ(loop.post_wakeups(), 2u) << "the loop took every task: the next post wakes it again";
  run_bounded(loop);
}

TEST(EventLoop, CorkCorksForItsScopeAndRestoresWhatWasThere) {
  EventLoop loop;
  EXPECT_FALSE(loop.dispatching());
  {
    EventLoop::Cork cork(loop);
    EXPECT_TRUE(loop.dispatching());
    {
      EventLoop::Cork inner(loop);
      EXPECT_TRUE(loop.dispatching());
    }
    EXPECT_TRUE(loop.dispatching()) << "an inner cork uncorked its outer one";
  }
  EXPECT_FALSE(loop.dispatching());

  // Inside a turn the loop is corked already; a cork there leaves it corked.
  EventFd ev;
  Probe p;
  bool inside = false, after = false;
  p.io = [&](std::uint32_t) {
    ev.drain();
    { EventLoop::Cork cork(loop); }
    inside = loop.dispatching();
    loop.defer(&p);
  };
  p.before_sleep = [&] {
    {
      EventLoop::Cork cork(loop);
      after = loop.dispatching();
    }
    EXPECT_FALSE(loop.dispatching());
    loop.stop();
  };
  ASSERT_EQ(loop.watch(ev.fd(), &p, true, false), 0);
  ev.signal();
  run_bounded(loop);
  EXPECT_TRUE(inside);
  EXPECT_TRUE(after);
}

TEST(EventLoop, ATimerNeverFiresEarly) {
  // Taken before the loop reads the clock, so the loop's "now" is no earlier than this.
  const Clock::time_point start = Clock::now();
  EventLoop loop;
  Probe p;
  Clock::time_point fired;
  p.timer = [&] {
    fired = Clock::now();
    loop.stop();
  };
  loop.schedule(&p, milliseconds(120));
  run_bounded(loop);
  ASSERT_EQ(p.timer_calls, 1);
  // The loop's clock has millisecond resolution.
  EXPECT_GE(fired - start, milliseconds(119));
}

TEST(EventLoop, RescheduleReplacesTheDeadlineAndCancelDropsIt) {
  const Clock::time_point start = Clock::now();
  EventLoop loop;
  Probe moved, cancelled, stopper;
  Clock::time_point fired;
  moved.timer = [&] { fired = Clock::now(); };
  loop.schedule(&moved, milliseconds(50));
  loop.schedule(&moved, milliseconds(250));
  loop.schedule(&cancelled, milliseconds(50));
  loop.cancel_timer(&cancelled);
  stop_after(loop, stopper, milliseconds(500));
  run_bounded(loop);
  EXPECT_EQ(moved.timer_calls, 1) << "one timer per client";
  EXPECT_GE(fired - start, milliseconds(249));
  EXPECT_EQ(cancelled.timer_calls, 0);
}

TEST(EventLoop, NowIsReadOncePerWakeUp) {
  EventLoop loop;
  EventFd ev;
  Probe p;
  std::uint64_t before = 0, after = 0, next_turn = 0;
  p.io = [&](std::uint32_t) {
    ev.drain();
    if (p.io_calls == 1) {
      before = loop.now_ms();
      std::this_thread::sleep_for(milliseconds(30));
      after = loop.now_ms();
      ev.signal();  // another turn
    } else {
      next_turn = loop.now_ms();
      loop.stop();
    }
  };
  ASSERT_EQ(loop.watch(ev.fd(), &p, true, false), 0);
  ev.signal();
  run_bounded(loop);
  EXPECT_EQ(before, after) << "now_ms() changed within one turn";
  EXPECT_GE(next_turn, before + 30);
}

}  // namespace
}  // namespace sluice::detail
