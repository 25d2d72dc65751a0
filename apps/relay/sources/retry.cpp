// The retry rule of every source that reconnects, reopens or restarts.
#include "sources/retry.hpp"

#include <fmt/format.h>

namespace sluice::relay {

Retry::Retry(SourcePoller& poller, std::chrono::milliseconds min, std::chrono::milliseconds max,
             std::function<void()> attempt)
    : backoff_(min, max), timer_(poller, std::move(attempt)) {}

std::chrono::milliseconds Retry::schedule() {
  const std::chrono::milliseconds wait = backoff_.next();
  timer_.arm(wait);
  return wait;
}

void Retry::up() {
  is_up_ = true;
  up_since_ = std::chrono::steady_clock::now();
}

void Retry::down() {
  if (is_up_ && std::chrono::steady_clock::now() - up_since_ >= backoff_.stable_after()) backoff_.reset();
  is_up_ = false;
}

std::string describe_wait(std::chrono::milliseconds wait) {
  if (wait < std::chrono::seconds(1)) return fmt::format("{} ms", wait.count());
  return fmt::format("{:.1f} s", static_cast<double>(wait.count()) / 1000.0);
}

}  // namespace sluice::relay
