#include "loop/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <utility>

namespace sluice::detail {
namespace {

std::uint32_t to_epoll(bool want_read, bool want_write) {
  return (want_read ? EPOLLIN | EPOLLRDHUP : 0u) | (want_write ? EPOLLOUT : 0u);
}

static_assert(io_event::readable == EPOLLIN && io_event::writable == EPOLLOUT);

std::uint32_t from_epoll(std::uint32_t ev) {
  std::uint32_t out = ev & (EPOLLIN | EPOLLOUT);
  if (ev & (EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
    out |= io_event::readable;  // the read sees the end of the stream
    // As in nginx: an error or hang-up is reported as both, so the read or write sees it.
    if (ev & (EPOLLERR | EPOLLHUP)) out |= io_event::writable;
  }
  return out;
}

std::uint64_t monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

[[noreturn]] void fatal_wait_error(int err) {
  std::fprintf(stderr, "sluice: epoll_wait failed: %s; the event loop cannot go on\n", std::strerror(err));
  std::abort();
}

}  // namespace

std::uint32_t monotonic_16us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(ts.tv_sec) * 62'500u +
                                    static_cast<std::uint64_t>(ts.tv_nsec) / 16'000u);
}

class EventLoop::Wakeup final : public LoopClient {
 public:
  explicit Wakeup(EventLoop& loop) : loop_(loop) {}
  void on_io(std::uint32_t) override {
    std::uint64_t v;
    while (::read(loop_.event_fd_.get(), &v, sizeof v) > 0) {
    }
    loop_.run_posted();
  }

 private:
  EventLoop& loop_;
};

EventLoop::EventLoop()
    : epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      event_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      wakeup_(std::make_unique<Wakeup>(*this)),
      scratch_(new std::uint8_t[kScratchSize]),
      iovecs_(new iovec[IOV_MAX]) {
  if (!epoll_ || !event_fd_) throw std::system_error(errno, std::generic_category(), "epoll/eventfd");
  epoch_ms_ = now_ms_ = monotonic_ms();
  if (int err = watch(event_fd_.get(), wakeup_.get(), true, false))
    throw std::system_error(err, std::generic_category(), "epoll_ctl ADD (eventfd)");
}

EventLoop::~EventLoop() = default;

int EventLoop::watch(int fd, LoopClient* client, bool want_read, bool want_write) {
  epoll_event ev{};
  ev.events = to_epoll(want_read, want_write);
  ev.data.ptr = client;
  return ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
}

void EventLoop::rewatch(int fd, LoopClient* client, bool want_read, bool want_write) {
  epoll_event ev{};
  ev.events = to_epoll(want_read, want_write);
  ev.data.ptr = client;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::unwatch(int fd) { ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::stop() { stopped_ = true; }

bool EventLoop::post(std::function<void()> task) { return enqueue(std::move(task), post_limit_); }

void EventLoop::post_control(std::function<void()> task) {
  [[maybe_unused]] bool queued = enqueue(std::move(task), SIZE_MAX);
}

bool EventLoop::enqueue(std::function<void()> task, std::size_t limit) {
  bool wake_now;
  {
    std::lock_guard lock(post_mutex_);
    if (posted_.size() >= limit) {
      posts_refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    posted_.push_back(std::move(task));
    wake_now = std::exchange(post_wake_armed_, false);
  }
  if (wake_now) wake();
  return true;
}

void EventLoop::wake() {
  post_wakeups_.fetch_add(1, std::memory_order_relaxed);
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(event_fd_.get(), &one, sizeof one);
}

void EventLoop::run_posted() {
  {
    std::lock_guard lock(post_mutex_);
    running_posted_.swap(posted_);
    post_wake_armed_ = true;
  }
  // A task may post again: that lands in posted_, for the next turn.
  for (auto& t : running_posted_) t();
  running_posted_.clear();
}

void EventLoop::forget(LoopClient* client) {
  wheel_.cancel(*client);
  // Freed from inside this turn's dispatch (a client destroyed by a posted task): its events
  // further down the batch must not reach it.
  for (int i = 0; i < batch_size_; ++i) {
    if (batch_[i].data.ptr == client) batch_[i].data.ptr = nullptr;
  }
  const bool queued = client->deferral == Deferral::queued;
  client->deferral = Deferral::none;
  if (!queued) return;
  std::erase(deferred_, client);
  std::replace(running_.begin(), running_.end(), client, static_cast<LoopClient*>(nullptr));  // mid-pass
}

void EventLoop::schedule(LoopClient* client, std::chrono::milliseconds after) {
  std::uint64_t due = now_ms_ + static_cast<std::uint64_t>(after.count());
  // Round up: a deadline never fires early.
  wheel_.schedule(*client, tick_of(due + TimerWheel::kTickMs - 1));
}

void EventLoop::run_deferred() {
  delivery_now_fresh_ = false;
  // A flush may defer more work (a close after the last byte); bounded rounds keep it fair.
  for (int round = 0; round < 8 && !deferred_.empty(); ++round) {
    running_.swap(deferred_);
    for (LoopClient* c : running_) {
      if (!c) continue;
      c->deferral = Deferral::none;
      c->on_before_sleep();  // may free c
    }
    running_.clear();
  }
}

void EventLoop::refresh_now() {
  now_ms_ = monotonic_ms();
  delivery_now_fresh_ = false;
}

int EventLoop::wait_timeout_ms() const {
  if (!deferred_.empty() || stopped_) return 0;
  if (wheel_.empty()) return -1;
  std::uint64_t next_tick_ms =
      epoch_ms_ + (static_cast<std::uint64_t>(wheel_.current_tick()) + 1) * TimerWheel::kTickMs;
  return next_tick_ms > now_ms_ ? static_cast<int>(next_tick_ms - now_ms_) : 0;
}

void EventLoop::run() {
  epoll_event events[kMaxEvents];
  stopped_ = false;
  wheel_.set_start(tick_of(now_ms_));
  auto fire = [](TimerNode& node) { static_cast<LoopClient&>(node).on_timer(); };
  while (!stopped_) {
    run_deferred();
    int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, wait_timeout_ms());
    if (n < 0) {
      // Only a signal may interrupt the wait; anything else (a broken epoll fd) would spin.
      if (errno != EINTR) fatal_wait_error(errno);
      n = 0;
    }
    refresh_now();
    dispatching_ = true;
    batch_ = events;
    batch_size_ = n;
    for (int i = 0; i < n; ++i) {
      if (auto* client = static_cast<LoopClient*>(events[i].data.ptr))
        client->on_io(from_epoll(events[i].events));
    }
    batch_size_ = 0;
    wheel_.advance(tick_of(now_ms_), fire);
    dispatching_ = false;
  }
  run_deferred();
}

}  // namespace sluice::detail
