// Builds the matcher from the entries' patterns once; a lookup is then one binary search for
// exact names and a scan of the wildcard patterns, most specific first.
#include "config/topic_settings.hpp"

#include <stdexcept>

namespace sluice::relay {
namespace {

std::vector<TopicPattern> patterns_of(const std::vector<TopicConfig>& topics) {
  std::vector<TopicPattern> patterns;
  for (const TopicConfig& t : topics) {
    auto p = TopicPattern::parse(t.match);
    if (!p) throw std::invalid_argument("invalid topic pattern \"" + t.match + "\"");
    patterns.push_back(std::move(*p));
  }
  return patterns;
}

}  // namespace

TopicSettings::TopicSettings(std::vector<TopicConfig> topics)
    : topics_(std::move(topics)), matcher_(patterns_of(topics_)) {}

const TopicConfig& TopicSettings::for_topic(std::string_view topic) const {
  const auto index = matcher_.find(topic);
  return index ? topics_[*index] : defaults_;
}

HistoryLimits history_limits(const TopicConfig& topic) {
  HistoryLimits limits;
  limits.max_messages = topic.history;
  limits.max_bytes = topic.history_bytes;
  limits.max_age = topic.history_age;
  limits.retain_last = topic.retain_last;
  return limits;
}

sluice::TopicOptions engine_topic_options(const TopicConfig& topic) {
  sluice::TopicOptions options;
  options.policy = topic.policy;
  options.compression = topic.compression;
  if (topic.send_buffer_bytes) options.send_buffer_bytes = static_cast<int>(*topic.send_buffer_bytes);
  return options;
}

std::size_t max_buffered_bytes(const TopicConfig& topic, const ServerConfig& server) {
  return topic.max_buffered_bytes.value_or(server.max_buffered_bytes);
}

}  // namespace sluice::relay
