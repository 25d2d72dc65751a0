// Countdown: runs an action once every thread has arrived. Measurement starts when every
// thread's connections are open (setup is not measured), and the server is sampled again when
// the last thread is done. The action runs on the thread of the last arrival.
#pragma once

#include <atomic>
#include <functional>
#include <utility>

namespace sluice::bench {

class Countdown {
 public:
  Countdown(int parties, std::function<void()> on_zero) : remaining_(parties), on_zero_(std::move(on_zero)) {}

  void arrive() {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) on_zero_();
  }

 private:
  std::atomic<int> remaining_;
  std::function<void()> on_zero_;
};

}  // namespace sluice::bench
