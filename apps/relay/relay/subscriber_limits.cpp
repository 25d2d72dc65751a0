#include "relay/subscriber_limits.hpp"

#include <algorithm>

namespace sluice::relay {

std::string send_buffer_topic(std::size_t bytes) { return "$sndbuf/" + std::to_string(bytes); }

void SubscriberLimits::declare(sluice::Server& server, const std::vector<TopicConfig>& topics) {
  for (const TopicConfig& t : topics) {
    if (!t.send_buffer_bytes || !send_buffers_.insert(*t.send_buffer_bytes).second) continue;
    sluice::TopicOptions options;
    options.send_buffer_bytes = static_cast<int>(std::min<std::size_t>(*t.send_buffer_bytes, 1u << 30));
    server.topic(send_buffer_topic(*t.send_buffer_bytes), options);
  }
}

void SubscriberLimits::apply(WebSocket ws, const TopicConfig& entry) const {
  if (entry.policy) ws.set_policy(*entry.policy);
  if (entry.send_buffer_bytes && send_buffers_.contains(*entry.send_buffer_bytes))
    ws.subscribe(send_buffer_topic(*entry.send_buffer_bytes));
}

std::vector<std::string> SubscriberLimits::unapplied(const std::vector<TopicConfig>& topics,
                                                     std::size_t max_buffered_bytes) const {
  std::vector<std::string> out;
  for (const TopicConfig& t : topics) {
    if (t.max_buffered_bytes && *t.max_buffered_bytes != max_buffered_bytes)
      out.push_back("[[topic]] \"" + t.match + "\": max_buffered_bytes is not applied per topic yet; its " +
                    "subscribers get [server] max_buffered_bytes (" + std::to_string(max_buffered_bytes) +
                    " bytes)");
    if (t.send_buffer_bytes && !send_buffers_.contains(*t.send_buffer_bytes))
      out.push_back("[[topic]] \"" + t.match + "\": send_buffer_bytes " +
                    std::to_string(*t.send_buffer_bytes) + " takes effect at the next start");
  }
  return out;
}

}  // namespace sluice::relay
