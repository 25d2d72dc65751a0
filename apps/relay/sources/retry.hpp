// Retry: when a source tries again after a failure: it waits out the next full-jitter backoff
// on its own timer, then calls `attempt`. A source that stayed up for Backoff::stable_after()
// before it failed starts its next backoff afresh, so a link that drops once a day comes back
// at once, while one that fails as soon as it opens backs off further each time.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "sources/backoff.hpp"
#include "sources/source_timer.hpp"

namespace sluice::relay {

class Retry {
 public:
  Retry(SourcePoller& poller, std::chrono::milliseconds min, std::chrono::milliseconds max,
        std::function<void()> attempt);

  // Arms the timer for the next wait and returns it.
  std::chrono::milliseconds schedule();
  void cancel() { timer_.cancel(); }
  bool waiting() const { return timer_.armed(); }

  void up();    // the source opened
  void down();  // the source failed or its stream ended

 private:
  Backoff backoff_;
  SourceTimer timer_;
  std::chrono::steady_clock::time_point up_since_{};
  bool is_up_ = false;
};

// "1.5 s", "250 ms": a wait as a log line shows it.
std::string describe_wait(std::chrono::milliseconds wait);

}  // namespace sluice::relay
