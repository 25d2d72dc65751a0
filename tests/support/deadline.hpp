// Bounded waiting for the test suites: the upper bound for any single wait, the milliseconds
// left before a deadline (as poll() takes them), and polling a condition until it holds.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace sluice_test {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Upper bound for a single wait in the suites: against hangs only, never a speed assertion, so
// it is generous enough for a machine whose cores are busy with something else.
inline constexpr milliseconds kWait{10'000};

inline int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Polls `pred` until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& pred, milliseconds timeout = kWait) {
  auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

}  // namespace sluice_test
