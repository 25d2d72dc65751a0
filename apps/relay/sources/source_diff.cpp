// Both lists are short (a handful of sources), so a linear search per name is the clearest way.
#include "sources/source_diff.hpp"

#include <algorithm>

namespace sluice::relay {

namespace {

const SourceConfig* find_named(std::span<const SourceConfig> list, const std::string& name) {
  auto it = std::find_if(list.begin(), list.end(), [&](const SourceConfig& s) { return s.name == name; });
  return it == list.end() ? nullptr : &*it;
}

}  // namespace

SourceDiff diff_sources(std::span<const SourceConfig> running, std::span<const SourceConfig> next) {
  SourceDiff diff;
  for (const SourceConfig& old : running) {
    if (find_named(next, old.name) == nullptr) diff.removed.push_back(old.name);
  }
  for (std::size_t i = 0; i < next.size(); ++i) {
    const SourceConfig* old = find_named(running, next[i].name);
    if (old == nullptr) {
      diff.added.push_back(i);
    } else if (*old == next[i]) {
      diff.kept.push_back(next[i].name);
    } else {
      diff.replaced.push_back(i);
    }
  }
  return diff;
}

}  // namespace sluice::relay
