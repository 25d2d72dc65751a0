// The nested set's plumbing: registration through epoll_ctl, and a dispatch that reads at most
// one batch per server turn, so sources share the loop fairly with connections.
#include "sources/source_poller.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <unistd.h>
#include <cerrno>
#include <system_error>

namespace sluice::relay {

namespace {

constexpr int max_events = 64;

std::uint32_t to_epoll(Interest interest) {
  switch (interest) {
    case Interest::none: return 0;
    case Interest::read: return EPOLLIN;
    case Interest::write: return EPOLLOUT;
    case Interest::read_write: return EPOLLIN | EPOLLOUT;
  }
  return 0;
}

std::uint32_t from_epoll(std::uint32_t events) {
  std::uint32_t out = 0;
  if (events & EPOLLIN) out |= io::readable;
  if (events & EPOLLOUT) out |= io::writable;
  if (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) out |= io::readable | io::writable;
  return out;
}

}  // namespace

struct SourcePoller::Batch {
  epoll_event events[max_events];
  int size = 0;
};

SourcePoller::SourcePoller(sluice::Server& server)
    : server_(server),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      scratch_(std::make_unique_for_overwrite<std::uint8_t[]>(scratch_size)) {
  if (!epoll_) throw std::system_error(errno, std::generic_category(), "sources: epoll_create1");
  deferred_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!deferred_fd_) throw std::system_error(errno, std::generic_category(), "sources: eventfd");
  deferred_handle_ = std::make_unique<PollHandle>(*this, deferred_fd_.get(), [this](std::uint32_t) {
    std::uint64_t n = 0;
    if (::read(deferred_fd_.get(), &n, sizeof n) == sizeof n) run_deferred();
  });
  if (int rc = deferred_handle_->set(Interest::read); rc != 0)
    throw std::system_error(rc, std::generic_category(), "sources: epoll_ctl");
  server_.watch(epoll_.get(), [this] { dispatch(); });
}

SourcePoller::~SourcePoller() {
  server_.unwatch(epoll_.get());
  deferred_handle_.reset();
  // Tasks still waiting free what they hold here, with the poller still whole.
  deferred_.clear();
}

void SourcePoller::defer(std::function<void()> task) {
  deferred_.push_back(std::move(task));
  if (deferred_.size() == 1) {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(deferred_fd_.get(), &one, sizeof one);
  }
}

void SourcePoller::run_deferred() {
  std::vector<std::function<void()>> tasks;
  tasks.swap(deferred_);
  for (auto& t : tasks) t();
}

void SourcePoller::dispatch() {
  Batch batch;
  batch.size = ::epoll_wait(epoll_.get(), batch.events, max_events, 0);
  batch_ = &batch;
  for (int i = 0; i < batch.size; ++i) {
    // A callback may destroy other handles (a source stopping its connections): forget() has
    // cleared their entries further down.
    if (auto* handle = static_cast<PollHandle*>(batch.events[i].data.ptr))
      handle->on_io_(from_epoll(batch.events[i].events));
  }
  batch_ = nullptr;
}

int SourcePoller::control(int op, int fd, std::uint32_t events, PollHandle* handle) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handle;
  return ::epoll_ctl(epoll_.get(), op, fd, &ev) == 0 ? 0 : errno;
}

void SourcePoller::forget(PollHandle* handle) {
  if (batch_ == nullptr) return;
  for (int i = 0; i < batch_->size; ++i) {
    if (batch_->events[i].data.ptr == handle) batch_->events[i].data.ptr = nullptr;
  }
}

PollHandle::PollHandle(SourcePoller& poller, int fd, Callback on_io)
    : poller_(poller), fd_(fd), on_io_(std::move(on_io)) {}

PollHandle::~PollHandle() {
  static_cast<void>(set(Interest::none));
  poller_.forget(this);
}

int PollHandle::set(Interest interest) {
  if (interest == interest_) return 0;
  int rc = 0;
  if (interest == Interest::none) {
    rc = poller_.control(EPOLL_CTL_DEL, watched_fd(), 0, this);
    poller_.forget(this);  // no event already in hand reaches a handle that asked for none
  } else if (interest_ == Interest::none) {
    rc = poller_.control(EPOLL_CTL_ADD, watched_fd(), to_epoll(interest), this);
    if (rc == EPERM && !stand_in_) {
      // A regular file: always readable and writable, which an eventfd holding 1 also is.
      stand_in_.reset(::eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC));
      if (!stand_in_) return errno;
      rc = poller_.control(EPOLL_CTL_ADD, watched_fd(), to_epoll(interest), this);
    }
  } else {
    rc = poller_.control(EPOLL_CTL_MOD, watched_fd(), to_epoll(interest), this);
  }
  if (rc == 0) interest_ = interest;
  return rc;
}

}  // namespace sluice::relay
