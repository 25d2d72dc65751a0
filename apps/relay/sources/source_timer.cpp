// A timerfd read when it fires, so that a level-triggered poller sees it once per expiry.
#include "sources/source_timer.hpp"

#include <sys/timerfd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace sluice::relay {

namespace {

timespec to_timespec(std::chrono::milliseconds d) {
  // A zero it_value disarms a timerfd: "now" is one nanosecond.
  if (d.count() <= 0) return timespec{0, 1};
  return timespec{static_cast<time_t>(d.count() / 1000), static_cast<long>((d.count() % 1000) * 1'000'000)};
}

}  // namespace

SourceTimer::SourceTimer(SourcePoller& poller, std::function<void()> on_fire)
    : fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
      on_fire_(std::move(on_fire)),
      handle_(poller, fd_.get(), [this](std::uint32_t) { on_io(); }) {
  if (!fd_) throw std::system_error(errno, std::generic_category(), "sources: timerfd_create");
  if (int rc = handle_.set(Interest::read); rc != 0)
    throw std::system_error(rc, std::generic_category(), "sources: watching a timer");
}

void SourceTimer::arm(std::chrono::milliseconds delay) {
  itimerspec spec{};
  spec.it_value = to_timespec(delay);
  ::timerfd_settime(fd_.get(), 0, &spec, nullptr);
  armed_ = true;
  periodic_ = false;
}

void SourceTimer::arm_every(std::chrono::milliseconds period) {
  itimerspec spec{};
  spec.it_value = to_timespec(period);
  spec.it_interval = spec.it_value;
  ::timerfd_settime(fd_.get(), 0, &spec, nullptr);
  armed_ = true;
  periodic_ = true;
}

void SourceTimer::cancel() {
  itimerspec spec{};
  ::timerfd_settime(fd_.get(), 0, &spec, nullptr);
  armed_ = false;
}

void SourceTimer::on_io() {
  std::uint64_t expirations = 0;
  if (::read(fd_.get(), &expirations, sizeof expirations) != sizeof expirations) return;
  if (!periodic_) armed_ = false;
  on_fire_();  // may re-arm
}

}  // namespace sluice::relay
