// TimerFd: a timerfd the relay's loop watches (Server::watch), closed with the object. The
// relay's periodic work (the stats feed, the resource guard, the watchdog) and one-shot
// deadlines (the shutdown delay) run on it, on the server's first loop.
#pragma once

#include <chrono>

namespace sluice::relay {

class TimerFd {
 public:
  // Throws std::system_error when no timerfd can be made.
  TimerFd();
  ~TimerFd();
  TimerFd(const TimerFd&) = delete;
  TimerFd& operator=(const TimerFd&) = delete;

  // Fires after `first`, then every `every` (0: once).
  void arm(std::chrono::milliseconds first, std::chrono::milliseconds every = std::chrono::milliseconds(0));
  int fd() const { return fd_; }
  // Reads the expirations; false when there were none (a wake-up for nothing).
  bool consume();

 private:
  int fd_;
};

}  // namespace sluice::relay
