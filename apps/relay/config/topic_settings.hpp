// TopicSettings: the [[topic]] entry that governs a concrete topic (the most specific match,
// the first written among equals), or the defaults when none matches; and the values derived
// from an entry for the history ring and the engine.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "history/history_ring.hpp"
#include "sluice/policy.hpp"
#include "topics/topic_matcher.hpp"

namespace sluice::relay {

class TopicSettings {
 public:
  // No entries: every topic gets TopicConfig's defaults.
  TopicSettings() = default;
  // Entries as loaded (in file order). Throws std::invalid_argument for an invalid match
  // pattern, which the loader never lets through.
  explicit TopicSettings(std::vector<TopicConfig> topics);

  // The entry for `topic`, or defaults() when none matches. Valid while this object lives.
  const TopicConfig& for_topic(std::string_view topic) const;
  // The entry's index in topics(), or nullopt when the defaults apply.
  std::optional<std::size_t> index_of(std::string_view topic) const { return matcher_.find(topic); }

  const std::vector<TopicConfig>& topics() const { return topics_; }
  const TopicConfig& defaults() const { return defaults_; }

 private:
  std::vector<TopicConfig> topics_;
  TopicMatcher matcher_;
  TopicConfig defaults_;
};

// The history bounds an entry sets for each of its topics.
HistoryLimits history_limits(const TopicConfig& topic);

// The engine's per-topic options; unset values fall back to the server's inside the engine.
sluice::TopicOptions engine_topic_options(const TopicConfig& topic);

// The send-queue cap for the entry's subscribers: its own, or the server's.
std::size_t max_buffered_bytes(const TopicConfig& topic, const ServerConfig& server);

}  // namespace sluice::relay
