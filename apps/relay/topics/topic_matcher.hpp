// TopicMatcher: for a concrete topic, the most specific of an ordered list of patterns (the
// [[topic]] entries of the configuration). Exact names are found by binary search; wildcard
// patterns are tried most specific first, so the first match is the answer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "topics/topic_pattern.hpp"

namespace sluice::relay {

class TopicMatcher {
 public:
  TopicMatcher() = default;
  // `patterns` in configuration order; find() answers with indices into it.
  explicit TopicMatcher(std::vector<TopicPattern> patterns);

  // The index of the most specific pattern that matches `name` (see Specificity); among equally
  // specific ones, the lowest index. nullopt when none matches.
  std::optional<std::size_t> find(std::string_view name) const;

  const std::vector<TopicPattern>& patterns() const { return patterns_; }
  // Wildcard pattern indices, most specific first: the order find() tries them in.
  const std::vector<std::size_t>& wildcard_order() const { return wildcard_order_; }

 private:
  std::vector<TopicPattern> patterns_;
  // Indices, not views, so that copies of the matcher stay valid.
  std::vector<std::size_t> exact_;  // exact names, sorted by text
  std::vector<std::size_t> wildcard_order_;
};

}  // namespace sluice::relay
