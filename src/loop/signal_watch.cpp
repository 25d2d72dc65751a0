#include "loop/signal_watch.hpp"

#include <pthread.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <system_error>

namespace sluice::detail {
namespace {
sigset_t make_set(const std::vector<int>& signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  return set;
}
}  // namespace

void block_signals(const std::vector<int>& signals) {
  sigset_t set = make_set(signals);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWatch::SignalWatch(EventLoop& loop, const std::vector<int>& signals, std::function<void(int)> handler)
    : loop_(loop), handler_(std::move(handler)) {
  sigset_t set = make_set(signals);
  fd_.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd_) throw std::system_error(errno, std::generic_category(), "signalfd");
  if (int err = loop_.watch(fd_.get(), this, true, false))
    throw std::system_error(err, std::generic_category(), "epoll_ctl ADD (signalfd)");
}

SignalWatch::~SignalWatch() { loop_.unwatch(fd_.get()); }

void SignalWatch::on_io(std::uint32_t) {
  signalfd_siginfo info;
  while (::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    handler_(static_cast<int>(info.ssi_signo));
  }
}

}  // namespace sluice::detail
