#include "broker/backoff.hpp"

#include <algorithm>

namespace sluice::relay {

ReconnectBackoff::ReconnectBackoff(milliseconds min, milliseconds max, std::uint64_t seed)
    : min_(min), max_(std::max(min, max)), random_(seed != 0 ? seed : std::random_device{}()) {}

ReconnectBackoff::milliseconds ReconnectBackoff::ceiling() const {
  // Past 2^20 times min the ceiling is max for any sane setting; stop shifting there.
  const unsigned shift = std::min(attempt_, 20u);
  const auto grown = min_.count() * (std::int64_t{1} << shift);
  return std::min(max_, milliseconds(grown));
}

ReconnectBackoff::milliseconds ReconnectBackoff::next() {
  const milliseconds top = ceiling();
  ++attempt_;
  std::uniform_int_distribution<std::int64_t> draw(0, top.count());
  return milliseconds(draw(random_));
}

}  // namespace sluice::relay
