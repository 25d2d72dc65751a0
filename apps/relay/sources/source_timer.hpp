// SourceTimer: a one-shot timer on the sources' poller (a timerfd), for backoff before a
// reconnect, reopen or restart, a child's stop grace, and the demo source's pace.
#pragma once

#include <chrono>
#include <functional>

#include "sources/source_poller.hpp"
#include "sources/unique_fd.hpp"

namespace sluice::relay {

class SourceTimer {
 public:
  // Throws std::system_error when no timerfd can be made.
  SourceTimer(SourcePoller& poller, std::function<void()> on_fire);

  // Fires once after `delay` (0: in the next turn), replacing any earlier arming.
  void arm(std::chrono::milliseconds delay);
  // Fires every `period`, the first time after one period.
  void arm_every(std::chrono::milliseconds period);
  void cancel();
  bool armed() const { return armed_; }

 private:
  void on_io();

  UniqueFd fd_;
  std::function<void()> on_fire_;
  bool armed_ = false;
  bool periodic_ = false;
  PollHandle handle_;  // after fd_: removed from the set before the descriptor closes
};

}  // namespace sluice::relay
