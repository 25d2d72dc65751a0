// SourceDiff: what a reload does to the running sources, worked out from the old and new
// [[source]] lists alone. Sources are matched by name: a name only in the old list is removed,
// a name only in the new one added, and a name in both is kept untouched when its settings are
// equal, or replaced (stopped, then started anew) when any setting differs. Pure, so the rule
// is unit-tested without sockets.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace sluice::relay {

struct SourceDiff {
  std::vector<std::string> removed;   // names, in the old list's order
  std::vector<std::size_t> replaced;  // positions in the new list
  std::vector<std::size_t> added;     // positions in the new list
  std::vector<std::string> kept;      // names, in the new list's order

  bool empty() const { return removed.empty() && replaced.empty() && added.empty(); }
};

SourceDiff diff_sources(std::span<const SourceConfig> running, std::span<const SourceConfig> next);

}  // namespace sluice::relay
