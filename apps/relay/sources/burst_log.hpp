// BurstLog: logs a run of drops once, not once per frame. The first drop of a burst is logged;
// drops that follow within `quiet` of the previous one are only counted, and the next line
// (the first drop after a quiet spell, or one every `repeat` while a burst goes on) says how
// many went unlogged before it. Pure: the caller passes the time, so it is tested without a clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace sluice::relay {

class BurstLog {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit BurstLog(std::chrono::milliseconds quiet = std::chrono::seconds(1),
                    std::chrono::milliseconds repeat = std::chrono::seconds(10))
      : quiet_(quiet), repeat_(repeat) {}

  // A drop at `now`: when it should be logged, the number of earlier drops that were not;
  // otherwise nothing.
  std::optional<std::uint64_t> on_drop(time_point now);

 private:
  std::chrono::milliseconds quiet_;
  std::chrono::milliseconds repeat_;
  std::optional<time_point> last_drop_;
  time_point last_logged_{};
  std::uint64_t unlogged_ = 0;
};

}  // namespace sluice::relay
