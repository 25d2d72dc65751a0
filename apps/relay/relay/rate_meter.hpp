// RateMeter: messages per second over the last whole second, for GET /topics and /stats.
// Two counters and a second number: cheap enough to bump on every publish.
#pragma once

#include <cstdint>

namespace sluice::relay {

class RateMeter {
 public:
  void add(std::int64_t now_second) {
    roll(now_second);
    ++current_;
  }
  // Messages counted in the last complete second.
  std::uint64_t per_second(std::int64_t now_second) const {
    if (now_second == second_) return previous_;
    return now_second == second_ + 1 ? current_ : 0;
  }

 private:
  void roll(std::int64_t now_second) {
    if (now_second == second_) return;
    previous_ = now_second == second_ + 1 ? current_ : 0;
    current_ = 0;
    second_ = now_second;
  }
  std::int64_t second_ = 0;
  std::uint64_t current_ = 0;
  std::uint64_t previous_ = 0;
};

}  // namespace sluice::relay
