// The thresholds compare used * 1000 with limit * per mille, in integers: no rounding decides a
// crossing.
#include "operations/resource_guard.hpp"

#include "config/units.hpp"

namespace sluice::relay {
namespace {

bool at_least(std::uint64_t used, std::uint64_t limit, std::uint64_t per_mille) {
  // Limits are far below 2^54, so neither product overflows.
  return used * 1000 >= limit * per_mille;
}

Pressure next(Pressure now, std::uint64_t used, std::uint64_t limit) {
  if (limit == 0) return Pressure::ok;
  switch (now) {
    case Pressure::ok:
      if (at_least(used, limit, over_at)) return Pressure::over;
      return at_least(used, limit, warn_at) ? Pressure::warning : Pressure::ok;
    case Pressure::warning:
      if (at_least(used, limit, over_at)) return Pressure::over;
      return at_least(used, limit, calm_under) ? Pressure::warning : Pressure::ok;
    case Pressure::over:
      if (at_least(used, limit, recover_under)) return Pressure::over;
      return at_least(used, limit, warn_at) ? Pressure::warning : Pressure::ok;
  }
  return now;
}

std::string_view limit_name(Resource r) {
  switch (r) {
    case Resource::memory: return "memory_limit";
    case Resource::connections: return "max_connections";
    case Resource::file_descriptors: return "the open file limit";
  }
  return "the limit";
}

std::string usage(const PressureChange& c) {
  return format_amount(c.resource, c.used) + " of " + format_amount(c.resource, c.limit) + " in use";
}

}  // namespace

std::string_view to_string(Resource resource) {
  switch (resource) {
    case Resource::memory: return "memory";
    case Resource::connections: return "connections";
    case Resource::file_descriptors: return "file_descriptors";
  }
  return "unknown";
}

std::string_view to_string(Pressure pressure) {
  switch (pressure) {
    case Pressure::ok: return "ok";
    case Pressure::warning: return "warning";
    case Pressure::over: return "over";
  }
  return "unknown";
}

std::string format_amount(Resource resource, std::uint64_t amount) {
  return resource == Resource::memory ? format_size_approx(amount) : std::to_string(amount);
}

LogLevel PressureChange::level() const {
  if (to == Pressure::over) return LogLevel::error;
  return to == Pressure::warning && from == Pressure::ok ? LogLevel::warn : LogLevel::info;
}

std::string PressureChange::describe() const {
  const std::string what = std::string(to_string(resource));
  const std::string limit = std::string(limit_name(resource));
  switch (to) {
    case Pressure::over:
      return what + " over " + limit + " (" + usage(*this) +
             "): refusing new subscribers and publishes with 503, /readyz fails";
    case Pressure::warning:
      if (from == Pressure::over)
        return what + " back under 90 % of " + limit + " (" + usage(*this) + "): accepting new work again";
      return what + " past 80 % of " + limit + " (" + usage(*this) + ")";
    case Pressure::ok:
      return what + " back to normal (" + usage(*this) + ")" +
             (from == Pressure::over ? ": accepting new work again" : "");
  }
  return what;
}

std::optional<PressureChange> ResourceGuard::update(Resource resource, std::uint64_t used,
                                                    std::uint64_t limit) {
  State& s = state_[index(resource)];
  const Pressure to = next(s.pressure, used, limit);
  const Pressure from = s.pressure;
  s = {to, used, limit};
  if (to == from) return std::nullopt;
  return PressureChange{resource, from, to, used, limit};
}

bool ResourceGuard::over_any() const {
  for (const State& s : state_)
    if (s.pressure == Pressure::over) return true;
  return false;
}

std::string ResourceGuard::refusal_reason() const {
  for (std::size_t i = 0; i < resource_count; ++i) {
    const State& s = state_[i];
    if (s.pressure != Pressure::over) continue;
    const auto r = static_cast<Resource>(i);
    return "over " + std::string(limit_name(r)) + ": " + format_amount(r, s.used) + " in use of " +
           format_amount(r, s.limit);
  }
  return {};
}

}  // namespace sluice::relay
