// Backoff: how long a source waits before it reconnects, reopens its device or restarts its
// child. Full jitter: the n-th wait in a row is drawn uniformly from [0, min(max, min * 2^n)],
// so many relays that lost the same peer do not all come back at once, and the ceiling doubles
// up to max. A source calls reset() once it has been up for a while (stable_after()).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace sluice::relay {

class Backoff {
 public:
  using milliseconds = std::chrono::milliseconds;

  // `seed` makes the draws repeatable in tests; 0 seeds from std::random_device.
  Backoff(milliseconds min, milliseconds max, std::uint64_t seed = 0);

  // The next wait; each call doubles the ceiling, up to max.
  milliseconds next();
  // The ceiling the next call draws under.
  milliseconds ceiling() const;
  void reset() { attempt_ = 0; }
  unsigned attempts() const { return attempt_; }

  // How long a source must stay up before its next failure starts the backoff afresh.
  milliseconds stable_after() const;

 private:
  milliseconds min_;
  milliseconds max_;
  unsigned attempt_ = 0;
  std::mt19937_64 random_;
};

}  // namespace sluice::relay
