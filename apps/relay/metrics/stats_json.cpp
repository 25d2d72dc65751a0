// The snapshot's JSON, written with JsonWriter in the key order the header documents, so the
// output is byte-for-byte predictable and tests can compare it whole.
#include "metrics/stats_json.hpp"

#include "http/json_writer.hpp"

namespace sluice::relay {
namespace {

void write_topics(JsonWriter& w, const std::vector<TopicRow>& topics) {
  w.key("topics").begin_array();
  for (const TopicRow& t : topics) {
    w.begin_object();
    w.key("name").value(t.name);
    w.key("subscribers").value(t.subscribers);
    w.key("messages_per_second").value(t.messages_per_second);
    w.key("last_seq").value(t.last_seq);
    w.key("dropped").value(t.dropped);
    w.end_object();
  }
  w.end_array();
}

void write_sources(JsonWriter& w, const std::vector<SourceRow>& sources) {
  w.key("sources").begin_array();
  for (const SourceRow& s : sources) {
    w.begin_object();
    w.key("name").value(s.name);
    w.key("type").value(to_string(s.type));
    w.key("state").value(to_string(s.state));
    w.key("messages_per_second").value(s.messages_per_second);
    w.key("bytes").value(s.bytes);
    w.key("errors").value(s.errors);
    w.key("restarts").value(s.restarts);
    w.key("last_error");
    if (s.last_error.empty()) {
      w.null();
    } else {
      w.value(s.last_error);
    }
    w.end_object();
  }
  w.end_array();
}

void write_slowest(JsonWriter& w, const std::vector<ConnectionRow>& connections) {
  w.key("slowest").begin_array();
  for (const ConnectionRow& c : connections) {
    w.begin_object();
    w.key("peer").value(c.peer);
    w.key("path").value(c.path);
    w.key("topics").begin_array();
    for (const std::string& topic : c.topics) w.value(topic);
    w.end_array();
    w.key("age_seconds").value(c.age_seconds);
    w.key("queued_bytes").value(c.queued_bytes);
    w.key("kernel_queued_bytes").value(c.kernel_queued_bytes);
    w.key("dropped").value(c.dropped);
    w.end_object();
  }
  w.end_array();
}

}  // namespace

void append_stats_json(std::string& out, const StatsSnapshot& s) {
  JsonWriter w(out);
  w.begin_object();
  w.key("time").value(static_cast<std::int64_t>(s.time.time_since_epoch().count()));
  w.key("uptime_seconds").value(s.uptime_seconds);

  w.key("connections").begin_object();
  for (std::size_t i = 0; i < connection_state_count; ++i) {
    w.key(to_string(static_cast<ConnectionState>(i))).value(s.connections[i]);
  }
  w.key("opened_total").value(s.connections_opened);
  w.key("closed_total").value(s.connections_closed);
  w.end_object();

  w.key("messages").begin_object();
  w.key("received_total").value(s.messages_received);
  w.key("published_total").value(s.messages_published);
  w.key("delivered_total").value(s.messages_delivered);
  w.end_object();

  w.key("bytes").begin_object();
  w.key("received_total").value(s.bytes_received);
  w.key("sent_total").value(s.bytes_sent);
  w.end_object();

  w.key("dropped").begin_object();
  for (std::size_t i = 0; i < slow_consumer_policies.size(); ++i) {
    w.key(to_string(slow_consumer_policies[i])).value(s.dropped[i]);
  }
  w.end_object();

  w.key("buffered").begin_object();
  w.key("user_bytes").value(s.buffered_bytes);
  w.key("kernel_bytes").value(s.kernel_unsent_bytes);
  w.key("high_water_bytes").value(s.buffered_high_water);
  w.end_object();

  w.key("memory").begin_object();
  w.key("limit_bytes").value(s.memory_limit_bytes);
  w.key("used_bytes").value(s.memory_used_bytes);
  w.key("rss_bytes").value(s.rss_bytes);
  w.key("budget_bytes").value(s.memory_budget_bytes);
  w.end_object();

  if (!s.refused.empty()) {
    w.key("refused").begin_object();
    for (const auto& [reason, count] : s.refused) w.key(reason).value(count);
    w.end_object();
  }

  w.key("topic_count").value(s.topic_count);
  write_topics(w, s.topics);
  write_sources(w, s.sources);
  write_slowest(w, s.slowest);

  w.key("resources").begin_object();
  for (std::size_t i = 0; i < resource_count; ++i) {
    w.key(to_string(static_cast<Resource>(i))).value(to_string(s.resources[i]));
  }
  w.end_object();
  w.key("ready").value(s.ready);
  w.key("not_ready_reason");
  if (s.ready) {
    w.null();
  } else {
    w.value(s.not_ready_reason);
  }
  w.end_object();
}

std::string stats_json(const StatsSnapshot& stats) {
  std::string out;
  append_stats_json(out, stats);
  return out;
}

}  // namespace sluice::relay
