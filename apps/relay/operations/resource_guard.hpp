// ResourceGuard: the relay's reaction to running short of memory, connections or file
// descriptors, as one small state machine per resource fed a reading every second. Crossing
// 80 % of a limit is a warning (said once per crossing, not once per reading); reaching 100 %
// puts the resource over, and the relay refuses new subscribers and publishes (503) and fails
// /readyz until the reading is back under 90 %; a warning ends under 70 %. The gaps between
// the thresholds keep a reading that hovers at one of them from flapping.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/log.hpp"

namespace sluice::relay {

enum class Resource : std::uint8_t { memory, connections, file_descriptors };
inline constexpr std::size_t resource_count = 3;

enum class Pressure : std::uint8_t {
  ok,
  warning,  // past 80 % of the limit
  over,     // at or past the limit: new work is refused
};
inline constexpr std::size_t pressure_count = 3;

std::string_view to_string(Resource resource);  // "memory", "connections", "file_descriptors"
std::string_view to_string(Pressure pressure);  // "ok", "warning", "over"

// Thresholds in per mille of the limit.
inline constexpr std::uint64_t warn_at = 800;
inline constexpr std::uint64_t over_at = 1000;
inline constexpr std::uint64_t recover_under = 900;
inline constexpr std::uint64_t calm_under = 700;

struct PressureChange {
  Resource resource = Resource::memory;
  Pressure from = Pressure::ok;
  Pressure to = Pressure::ok;
  std::uint64_t used = 0;
  std::uint64_t limit = 0;

  // The line the relay logs for it, and at which level.
  LogLevel level() const;
  std::string describe() const;
};

class ResourceGuard {
 public:
  // One reading; the change it made, if any. A limit of 0 means none: the resource stays ok.
  std::optional<PressureChange> update(Resource resource, std::uint64_t used, std::uint64_t limit);

  Pressure pressure(Resource resource) const { return state_[index(resource)].pressure; }
  bool over_any() const;
  // Why new work is refused, for the 503 and /readyz: "over memory_limit: 30.5MiB in use of
  // 24.0MiB"; empty when no resource is over.
  std::string refusal_reason() const;

 private:
  struct State {
    Pressure pressure = Pressure::ok;
    std::uint64_t used = 0;
    std::uint64_t limit = 0;
  };
  static std::size_t index(Resource r) { return static_cast<std::size_t>(r); }
  std::array<State, resource_count> state_{};
};

// The amount as the guard's messages write it: sizes for memory, counts for the others.
std::string format_amount(Resource resource, std::uint64_t amount);

}  // namespace sluice::relay
