// DemoGenerator: the synthetic producer behind --demo and `type = "demo"` sources, so a newcomer
// sees data flow at once. It publishes `rate` messages a second of `size` bytes each to its
// topic: JSON text with a counter and the publish time, padded to the size. A timerfd on the
// server's first loop paces it from a fixed start, so the rate holds on average; after a stall
// it catches up by at most one second's worth, never in an unbounded burst.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include <sluice/sluice.hpp>

#include "config/config.hpp"
#include "metrics/stats_json.hpp"
#include "relay/rate_meter.hpp"
#include "relay/relay.hpp"

namespace sluice::relay {

class DemoGenerator {
 public:
  DemoGenerator(Relay& relay, std::string name, std::string topic, DemoSource settings)
      : relay_(relay), name_(std::move(name)), topic_(std::move(topic)), settings_(settings) {}
  ~DemoGenerator();
  DemoGenerator(const DemoGenerator&) = delete;
  DemoGenerator& operator=(const DemoGenerator&) = delete;

  // Starts on the server's first loop; call after listen(). Throws std::system_error when the
  // timer cannot be made.
  void start(sluice::Server& server);
  // Stops on the loop thread (before the server is destroyed).
  void stop();
  // Its row of the stats snapshot and /metrics; any thread.
  SourceRow row() const;

 private:
  void on_tick();
  std::string message(std::uint64_t n) const;

  Relay& relay_;
  std::string name_;
  std::string topic_;
  DemoSource settings_;
  sluice::Server* server_ = nullptr;
  int timer_fd_ = -1;
  std::chrono::steady_clock::time_point started_;
  std::uint64_t sent_ = 0;  // the pace's count, which skips ahead after a stall
  std::uint64_t published_count_ = 0;
  RateMeter rate_meter_;  // the loop thread's; what row() reads is copied below
  std::atomic<SourceState> state_{SourceState::starting};
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> per_second_{0};
};

}  // namespace sluice::relay
