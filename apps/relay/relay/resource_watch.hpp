// ResourceWatch: feeds the resource guard (operations/resource_guard.hpp) a reading every
// second, on the relay's loop, logs each change of state once, and tells Readiness whether new
// work is refused. What it reads is cheap by construction: memory is the larger of what the
// relay counts (the engine's queues and message assembly, the topics' history) and its
// resident set (/proc/self/statm, one small read); connections are the engine's live count
// against max_connections; file descriptors are those open at startup plus one per live
// connection, against the soft RLIMIT_NOFILE.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include <sluice/sluice.hpp>

#include "operations/readiness.hpp"
#include "operations/resource_guard.hpp"

namespace sluice::relay {

struct ResourceLimits {
  std::uint64_t memory = 0;       // memory_limit
  std::uint64_t connections = 0;  // max_connections; 0: none
  std::uint64_t file_descriptors = 0;
};

class ResourceWatch {
 public:
  // `fds_at_start`: descriptors open before any connection (listeners, loops, timers, logs).
  ResourceWatch(ResourceLimits limits, std::uint64_t fds_at_start, Readiness& readiness);

  // One reading (the loop thread). `counted`: what the relay counts in memory.
  void update(const ServerStats& engine, std::uint64_t counted);

  // Any thread.
  Pressure pressure(Resource r) const {
    return pressure_[static_cast<std::size_t>(r)].load(std::memory_order_relaxed);
  }
  const ResourceLimits& limits() const { return limits_; }

 private:
  void apply(Resource r, std::uint64_t used, std::uint64_t limit);

  ResourceLimits limits_;
  std::uint64_t fds_at_start_;
  Readiness& readiness_;
  ResourceGuard guard_;
  std::array<std::atomic<Pressure>, resource_count> pressure_{};
};

// The soft limit on open files (RLIMIT_NOFILE); 0 when unlimited or unknown.
std::uint64_t open_file_limit();

}  // namespace sluice::relay
