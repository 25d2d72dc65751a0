// A burst ends after `quiet` without drops; the count of the unlogged ones is carried to the
// next line logged.
#include "sources/burst_log.hpp"

namespace sluice::relay {

std::optional<std::uint64_t> BurstLog::on_drop(time_point now) {
  const bool new_burst = !last_drop_ || now - *last_drop_ >= quiet_;
  last_drop_ = now;
  if (!new_burst && now - last_logged_ < repeat_) {
    ++unlogged_;
    return std::nullopt;
  }
  last_logged_ = now;
  const std::uint64_t before = unlogged_;
  unlogged_ = 0;
  return before;
}

}  // namespace sluice::relay
