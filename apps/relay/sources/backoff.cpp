// Full-jitter backoff; the doubling stops once the ceiling reaches max, so it never overflows.
#include "sources/backoff.hpp"

#include <algorithm>

namespace sluice::relay {

namespace {

std::uint64_t seed_or_random(std::uint64_t seed) {
  if (seed != 0) return seed;
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

Backoff::Backoff(milliseconds min, milliseconds max, std::uint64_t seed)
    : min_(std::max(min, milliseconds{1})), max_(std::max(max, min_)), random_(seed_or_random(seed)) {}

Backoff::milliseconds Backoff::ceiling() const {
  milliseconds c = min_;
  for (unsigned i = 0; i < attempt_ && c < max_; ++i) c *= 2;
  return std::min(c, max_);
}

Backoff::milliseconds Backoff::next() {
  const milliseconds c = ceiling();
  ++attempt_;
  std::uniform_int_distribution<std::int64_t> draw(0, c.count());
  return milliseconds{draw(random_)};
}

Backoff::milliseconds Backoff::stable_after() const {
  // Long enough to tell a peer that accepts and drops at once from one that works; short
  // enough that a source which ran for a while comes back quickly after its next failure.
  return std::clamp(max_, milliseconds{1000}, milliseconds{10'000});
}

}  // namespace sluice::relay
