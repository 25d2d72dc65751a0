#include "relay/timer_fd.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace sluice::relay {
namespace {

timespec to_timespec(std::chrono::milliseconds ms) {
  timespec t{};
  t.tv_sec = static_cast<time_t>(ms.count() / 1000);
  t.tv_nsec = static_cast<long>(ms.count() % 1000) * 1'000'000;
  return t;
}

}  // namespace

TimerFd::TimerFd() : fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "timerfd_create");
}

TimerFd::~TimerFd() { ::close(fd_); }

void TimerFd::arm(std::chrono::milliseconds first, std::chrono::milliseconds every) {
  itimerspec spec{};
  spec.it_value = to_timespec(std::max(first, std::chrono::milliseconds(1)));  // 0 would disarm
  spec.it_interval = to_timespec(every);
  ::timerfd_settime(fd_, 0, &spec, nullptr);
}

bool TimerFd::consume() {
  std::uint64_t expirations = 0;
  return ::read(fd_, &expirations, sizeof expirations) == sizeof expirations && expirations > 0;
}

}  // namespace sluice::relay
