// ReconnectBackoff: how long a Redis connection waits before it tries again. Full jitter: the
// n-th wait in a row is drawn uniformly from [0, min(max, min * 2^n)], so relays that lost the
// same Redis do not all come back in the same instant, and the ceiling doubles up to max.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace sluice::relay {

class ReconnectBackoff {
 public:
  using milliseconds = std::chrono::milliseconds;

  // `seed` makes the draws repeatable in tests; 0 seeds from std::random_device.
  ReconnectBackoff(milliseconds min, milliseconds max, std::uint64_t seed = 0);

  milliseconds next();  // each call doubles the ceiling, up to max
  milliseconds ceiling() const;
  void reset() { attempt_ = 0; }

 private:
  milliseconds min_;
  milliseconds max_;
  unsigned attempt_ = 0;
  std::mt19937_64 random_;
};

}  // namespace sluice::relay
