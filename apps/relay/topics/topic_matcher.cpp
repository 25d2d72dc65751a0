// The order is fixed at construction with a stable sort, which is what makes "first written
// wins" hold among equally specific patterns.
#include "topics/topic_matcher.hpp"

#include <algorithm>

namespace sluice::relay {

TopicMatcher::TopicMatcher(std::vector<TopicPattern> patterns) : patterns_(std::move(patterns)) {
  for (std::size_t i = 0; i < patterns_.size(); ++i) {
    if (patterns_[i].is_exact()) {
      exact_.push_back(i);
    } else {
      wildcard_order_.push_back(i);
    }
  }
  std::stable_sort(exact_.begin(), exact_.end(), [this](std::size_t a, std::size_t b) {
    return patterns_[a].text() < patterns_[b].text();
  });
  std::stable_sort(wildcard_order_.begin(), wildcard_order_.end(), [this](std::size_t a, std::size_t b) {
    return patterns_[a].specificity() > patterns_[b].specificity();
  });
}

std::optional<std::size_t> TopicMatcher::find(std::string_view name) const {
  const auto it = std::lower_bound(
      exact_.begin(), exact_.end(), name,
      [this](std::size_t i, std::string_view n) { return std::string_view(patterns_[i].text()) < n; });
  if (it != exact_.end() && patterns_[*it].text() == name) return *it;
  for (std::size_t i : wildcard_order_) {
    if (patterns_[i].matches(name)) return i;
  }
  return std::nullopt;
}

}  // namespace sluice::relay
