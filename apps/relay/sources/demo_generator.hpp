// DemoGenerator: the synthetic producer behind --demo and `type = "demo"` sources, so a newcomer
// sees data flow at once. It publishes `rate` messages a second of `size` bytes each to its
// topic: JSON text with a counter and the publish time, padded to the size. A timer paces it
// from a fixed start, so the rate holds on average; after a stall it catches up by at most one
// second's worth, never in an unbounded burst.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "sources/source.hpp"
#include "sources/source_timer.hpp"

namespace sluice::relay {

class DemoGenerator final : public Source {
 public:
  DemoGenerator(SourceContext& context, SourceConfig config);
  void start() override;

 private:
  void close() override;
  void on_tick();
  std::string message(std::uint64_t n) const;

  const relay::DemoSource& settings() const;

  SourceTimer timer_;
  std::chrono::steady_clock::time_point started_;
  std::uint64_t sent_ = 0;
};

}  // namespace sluice::relay
