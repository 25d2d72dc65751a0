// Every cell is set, never added to, from figures that only grow (or are gauges), in one
// registry shard that only a scrape writes, under a mutex: scrapes on different loops take
// turns, and the exposition of one scrape comes from one set of figures.
#include "relay/metrics_api.hpp"

#include <algorithm>

#include "metrics/process_metrics.hpp"

namespace sluice::relay {
namespace {

MetricLayout declare(const MetricBounds& bounds, RelayMetrics& metrics) {
  MetricLayout layout;
  metrics = RelayMetrics::declare(layout, bounds);
  return layout;
}

std::int64_t gauge(std::uint64_t v) {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX));
}

}  // namespace

MessageOrigin origin_of(Publisher who) {
  switch (who) {
    case Publisher::http: return MessageOrigin::http;
    case Publisher::client: return MessageOrigin::websocket;
    case Publisher::source: return MessageOrigin::source;
  }
  return MessageOrigin::http;
}

MetricsApi::MetricsApi(MetricBounds bounds)
    : bounds_(std::move(bounds)), registry_(declare(bounds_, metrics_), 1) {
  // The configuration checked every pattern when it was loaded.
  for (const std::string& p : bounds_.topic_patterns) patterns_.push_back(TopicPattern::parse(p).value());
}

std::string MetricsApi::text(const Figures& f, const HttpCounts& http) {
  std::string out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    refresh(f, http);
    registry_.write_text(out);
  }
  append_process_metrics(out, read_process_sample());
  return out;
}

void MetricsApi::fill_totals(const Figures& f, const HttpCounts& http, StatsSnapshot& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  refresh(f, http);
  fill_stats_totals(out, registry_, metrics_);
}

void MetricsApi::refresh(const Figures& f, const HttpCounts& http) {
  MetricShard& cells = registry_.shard(0);
  const RelayMetrics& m = metrics_;
  const ServerStats& e = f.engine;
  cells.set(m.connections.at(ConnectionState::handshaking), gauge(e.connections_handshaking));
  cells.set(m.connections.at(ConnectionState::open), gauge(e.connections_open));
  cells.set(m.connections.at(ConnectionState::closing), gauge(e.connections_closing));
  cells.set(m.connections_opened.at(), e.connections_accepted);
  for (std::size_t r = 0; r < close_reason_count; ++r)
    cells.set(m.connections_closed.at(r), e.connections_closed_by_reason[r]);

  for (std::size_t o = 0; o < message_origin_count; ++o) cells.set(m.messages_received.at(o), f.received[o]);
  cells.set(m.messages_published.at(), f.published);
  cells.set(m.messages_delivered.at(), e.messages_sent);
  for (std::size_t p = 0; p < slow_consumer_policies.size(); ++p)
    cells.set(m.messages_dropped.at(p), e.messages_dropped_by_policy[p]);
  cells.set(m.thread_queue_refused.at(0), e.inbound_publishes_refused);
  cells.set(m.thread_queue_refused.at(1), e.posts_refused);
  std::uint64_t source_bytes = 0;
  for (const SourceRow& s : f.sources) source_bytes += s.bytes;
  cells.set(m.bytes_received.at(), e.bytes_received + source_bytes);
  cells.set(m.bytes_sent.at(), e.bytes_sent);

  cells.set(m.buffered_bytes.at(), gauge(e.buffered_bytes));
  cells.set(m.kernel_unsent_bytes.at(), gauge(e.kernel_unsent_bytes));
  cells.set(m.buffered_bytes_high_water.at(), gauge(e.buffered_high_water));
  cells.set(m.memory_budget_bytes.at(), gauge(e.memory_budget_bytes));
  cells.set(m.memory_limit_bytes.at(), gauge(f.memory_limit));
  cells.set(m.memory_used_bytes.at(), gauge(f.memory_used));
  for (std::size_t r = 0; r < resource_count; ++r)
    set_resource_pressure(cells, m, static_cast<Resource>(r), f.pressure[r]);
  cells.set(m.ready.at(), f.ready ? 1 : 0);
  if (f.broker) {
    const BrokerFigures& b = *f.broker;
    const BrokerCounts& c = f.broker_counts;
    cells.set(m.broker_shards.at(), gauge(b.shards));
    cells.set(m.broker_shards_up.at(), gauge(b.shards_up));
    cells.set(m.broker_reconnects.at(), b.reconnects);
    cells.set(m.broker_published.at(), b.published);
    cells.set(m.broker_publish_failed.at(), c.publish_failed);
    cells.set(m.broker_received.at(), b.received);
    cells.set(m.broker_delivered.at(), c.delivered);
    cells.set(m.broker_repairs.at(), c.repairs);
    cells.set(m.broker_gaps.at(), c.gaps);
    cells.set(m.broker_resets.at(), c.resets);
    cells.set(m.broker_dropped.at(), c.dropped);
    cells.set(m.broker_probe_failures.at(), b.probes_failed);
  }
  cells.set(m.delivery_latency.at(), e.delivery_latency, e.delivery_latency_seconds);

  refresh_sources(f.sources);
  refresh_topics(f.topics);
  for (std::size_t r = 0; r < http_route_count; ++r) {
    for (std::size_t c = 0; c < http_code_count; ++c)
      cells.set(m.http_requests.at(r, c), http.value(static_cast<HttpRoute>(r), c));
  }
}

void MetricsApi::refresh_sources(const std::vector<SourceRow>& sources) {
  // A source's label is its position among the configured names; any other is "other", and
  // several of those add up.
  const std::size_t labels = bounds_.sources.size() + 1;
  struct Sums {
    std::uint64_t messages = 0, bytes = 0, kernel_drops = 0, errors = 0, restarts = 0;
    std::array<std::uint64_t, 3> frames_dropped{};
    std::optional<SourceState> state;
  };
  std::vector<Sums> sums(labels);
  for (const SourceRow& s : sources) {
    const auto at = std::find(bounds_.sources.begin(), bounds_.sources.end(), s.name);
    Sums& x = sums[static_cast<std::size_t>(at - bounds_.sources.begin())];
    x.messages += s.messages;
    x.bytes += s.bytes;
    x.kernel_drops += s.kernel_drops;
    x.errors += s.errors;
    x.restarts += s.restarts;
    for (std::size_t r = 0; r < x.frames_dropped.size(); ++r) x.frames_dropped[r] += s.frames_dropped[r];
    x.state = s.state;
  }
  MetricShard& cells = registry_.shard(0);
  const RelayMetrics& m = metrics_;
  for (std::size_t i = 0; i < labels; ++i) {
    const Sums& x = sums[i];
    cells.set(m.source_messages.at(i), x.messages);
    cells.set(m.source_bytes.at(i), x.bytes);
    cells.set(m.source_kernel_drops.at(i), x.kernel_drops);
    cells.set(m.source_errors.at(i), x.errors);
    cells.set(m.source_restarts.at(i), x.restarts);
    for (std::size_t r = 0; r < x.frames_dropped.size(); ++r)
      cells.set(m.source_frames_dropped.at(i, r), x.frames_dropped[r]);
    for (std::size_t st = 0; st < source_state_count; ++st)
      cells.set(m.source_state.at(i, st), x.state && static_cast<std::size_t>(*x.state) == st ? 1 : 0);
  }
}

void MetricsApi::refresh_topics(const std::vector<TopicSummary>& topics) {
  MetricShard& cells = registry_.shard(0);
  const RelayMetrics& m = metrics_;
  for (std::size_t i = 0; i < patterns_.size(); ++i) {
    std::uint64_t published = 0, dropped = 0, subscribers = 0;
    for (const TopicSummary& t : topics) {
      if (!patterns_[i].matches(t.name)) continue;
      published += t.published;
      dropped += t.dropped;
      subscribers += t.subscribers;
    }
    cells.set(m.topic_messages_published.at(i), published);
    cells.set(m.topic_messages_dropped.at(i), dropped);
    cells.set(m.topic_subscribers.at(i), gauge(subscribers));
  }
}

}  // namespace sluice::relay
