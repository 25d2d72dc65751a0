#include "relay/relay_stats.hpp"

#include <algorithm>

#include "metrics/process_metrics.hpp"
#include "relay/connection_note.hpp"
#include "relay/subscription_request.hpp"
#include "relay/websocket_api.hpp"

namespace sluice::relay {

ConnectionRow connection_row(const ConnectionInfo& info, PublishTime now) {
  ConnectionRow row;
  row.peer = info.peer;
  row.queued_bytes = info.buffered_bytes;
  row.kernel_queued_bytes = info.kernel_unsent_bytes;
  row.dropped = info.messages_dropped;
  const std::optional<ConnectionNote> note = decode_note(info.description);
  if (!note) return row;
  row.age_seconds =
      std::max<double>(0, static_cast<double>(now.time_since_epoch().count() - note->opened_ms) / 1000);
  const std::size_t q = note->target.find('?');
  row.path = note->target.substr(0, q);
  if (row.path == stats_feed_path) return row;
  const SubscriptionParse parsed = parse_subscription(
      row.path, q == std::string::npos ? std::string_view{} : std::string_view(note->target).substr(q + 1));
  if (parsed.request) {
    for (const TopicPattern& p : parsed.request->patterns) row.topics.push_back(p.text());
  }
  return row;
}

void fill_snapshot_rows(StatsSnapshot& out, const Figures& f, const std::vector<ConnectionInfo>& busiest) {
  out.rss_bytes = read_resident_memory_bytes().value_or(0);
  out.topic_count = f.topics.size();
  std::vector<const TopicSummary*> topics;
  topics.reserve(f.topics.size());
  for (const TopicSummary& t : f.topics) topics.push_back(&t);
  const std::size_t shown = std::min(topics.size(), stats_topic_rows);
  std::partial_sort(topics.begin(), topics.begin() + static_cast<std::ptrdiff_t>(shown), topics.end(),
                    [](const TopicSummary* a, const TopicSummary* b) {
                      if (a->messages_per_second != b->messages_per_second)
                        return a->messages_per_second > b->messages_per_second;
                      return a->name < b->name;
                    });
  for (std::size_t i = 0; i < shown; ++i) {
    const TopicSummary& t = *topics[i];
    out.topics.push_back(
        {t.name, t.subscribers, static_cast<double>(t.messages_per_second), t.last_seq, t.dropped});
  }
  out.sources = f.sources;
  for (const ConnectionInfo& c : busiest) out.slowest.push_back(connection_row(c, out.time));
  out.resources = f.pressure;
  out.ready = f.ready;
  out.not_ready_reason = f.not_ready_reason;
}

}  // namespace sluice::relay
