// Readiness: whether the relay should be sent new subscribers, and why not, for GET /readyz and
// for the 503 that refuses new work. Each check is set by the part that knows: the resource
// guard (over a limit: new work is refused too), the shutdown (only /readyz fails, so that a
// load balancer moves on while everything else still serves), and a broker, where one is
// configured, while it is unreachable. Any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace sluice::relay {

enum class ReadinessCheck : std::uint8_t { resources, shutdown, broker };
inline constexpr std::size_t readiness_check_count = 3;

class Readiness {
 public:
  // An empty reason passes the check.
  void set(ReadinessCheck check, std::string reason);
  // The reason of the first failing check, in ReadinessCheck order; nothing when ready.
  std::optional<std::string> not_ready() const;
  // Why new subscribers and publishes are refused now (a resource over its limit, or the broker
  // down); nothing when they are accepted.
  std::optional<std::string> refusing_new_work() const;

 private:
  mutable std::mutex mutex_;
  std::array<std::string, readiness_check_count> reasons_;
};

}  // namespace sluice::relay
