#include "relay/relay_stats.hpp"

#include <algorithm>

#include "metrics/process_metrics.hpp"

namespace sluice::relay {

StatsSnapshot take_snapshot(const sluice::Server& server, const Relay& relay, const Refusals& refusals,
                            std::chrono::steady_clock::time_point started) {
  const ServerStats s = server.stats();
  StatsSnapshot out;
  out.time = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  out.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::uint64_t live = s.connections_accepted - std::min(s.connections_closed, s.connections_accepted);
  out.connections[static_cast<std::size_t>(ConnectionState::open)] = s.connections_open;
  out.connections[static_cast<std::size_t>(ConnectionState::handshaking)] =
      live - std::min<std::uint64_t>(live, s.connections_open);
  out.connections_opened = s.connections_accepted;
  out.connections_closed = s.connections_closed;
  out.messages_published = relay.published_total();
  out.messages_delivered = s.messages_sent;
  out.bytes_sent = s.bytes_sent;
  out.buffered_bytes = s.buffered_bytes;
  out.buffered_high_water = s.buffered_high_water;
  out.memory_limit_bytes = s.memory_budget_bytes;
  out.memory_used_bytes = s.memory_bytes;
  out.rss_bytes = read_process_sample().resident_memory_bytes.value_or(0);
  const auto refused = refusals.totals();
  for (std::size_t i = 0; i < refused.size(); ++i)
    out.refused.emplace_back(to_string(static_cast<RefusalReason>(i)), refused[i]);
  out.refused.emplace_back("over_limit", s.connections_refused);  // the engine's 503s
  std::vector<TopicSummary> topics = relay.topics();
  out.topic_count = topics.size();
  std::sort(topics.begin(), topics.end(), [](const TopicSummary& a, const TopicSummary& b) {
    return a.messages_per_second > b.messages_per_second;
  });
  constexpr std::size_t kRows = 20;  // the busiest; topic_count tells how many there are
  for (std::size_t i = 0; i < topics.size() && i < kRows; ++i) {
    const TopicSummary& t = topics[i];
    out.topics.push_back({t.name, t.subscribers, static_cast<double>(t.messages_per_second), t.last_seq, 0});
  }
  return out;
}

}  // namespace sluice::relay
