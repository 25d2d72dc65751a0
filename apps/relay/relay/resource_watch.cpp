#include "relay/resource_watch.hpp"

#include <sys/resource.h>

#include <algorithm>

#include "metrics/process_metrics.hpp"
#include "relay/log_line.hpp"

namespace sluice::relay {

std::uint64_t open_file_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return 0;
  return r.rlim_cur;
}

ResourceWatch::ResourceWatch(ResourceLimits limits, std::uint64_t fds_at_start, Readiness& readiness)
    : limits_(limits), fds_at_start_(fds_at_start), readiness_(readiness) {}

void ResourceWatch::update(const ServerStats& engine, std::uint64_t counted) {
  const std::uint64_t resident = read_resident_memory_bytes().value_or(0);
  const std::uint64_t live =
      engine.connections_accepted - std::min(engine.connections_closed, engine.connections_accepted);
  apply(Resource::memory, std::max(counted, resident), limits_.memory);
  apply(Resource::connections, live, limits_.connections);
  apply(Resource::file_descriptors, fds_at_start_ + live, limits_.file_descriptors);
  readiness_.set(ReadinessCheck::resources, guard_.refusal_reason());
}

void ResourceWatch::apply(Resource r, std::uint64_t used, std::uint64_t limit) {
  const std::optional<PressureChange> change = guard_.update(r, used, limit);
  pressure_[static_cast<std::size_t>(r)].store(guard_.pressure(r), std::memory_order_relaxed);
  if (change) log_line(change->level(), "{}", change->describe());
}

}  // namespace sluice::relay
