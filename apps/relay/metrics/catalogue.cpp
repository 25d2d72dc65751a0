// The catalogue's declarations, in the order /metrics lists them: connections, messages and
// bytes, memory, latency, sources, topics, HTTP. Names and units follow Prometheus' naming
// conventions: counters end in _total, sizes are _bytes, durations _seconds.
#include "metrics/catalogue.hpp"

#include "sources/framing/framing.hpp"

namespace sluice::relay {
namespace {

LabelSpec label(std::string name, std::vector<std::string> values,
                UnlistedValue unlisted = UnlistedValue::refused) {
  return {std::move(name), std::move(values), unlisted};
}

std::vector<std::string> drop_reason_names() {
  std::vector<std::string> names;
  for (DropReason r : {DropReason::oversized, DropReason::malformed, DropReason::truncated}) {
    names.emplace_back(to_string(r));
  }
  return names;
}

}  // namespace

std::vector<double> delivery_latency_bounds() {
  std::vector<double> bounds;
  for (std::size_t k = 0; k + 1 < sluice::delivery_latency_buckets; ++k)
    bounds.push_back(delivery_latency_bound(k));
  return bounds;
}

RelayMetrics RelayMetrics::declare(MetricLayout& layout, const MetricBounds& bounds) {
  const LabelSpec source = label("source", bounds.sources, UnlistedValue::other);
  const LabelSpec topic = label("topic", bounds.topic_patterns);
  RelayMetrics m;

  m.connections = layout.add_gauge("sluice_connections", "Connections now, by state.",
                                   {label("state", connection_state_names())});
  m.connections_opened = layout.add_counter("sluice_connections_opened_total", "Connections accepted.");
  m.connections_closed =
      layout.add_counter("sluice_connections_closed_total", "Connections ended, by reason.",
                         {label("reason", close_reason_names())});

  m.messages_received = layout.add_counter(
      "sluice_messages_received_total",
      "Messages that entered the relay, by way: WebSocket clients, HTTP publishes, sources.",
      {label("via", message_origin_names())});
  m.messages_published =
      layout.add_counter("sluice_messages_published_total", "Messages accepted into a topic by publish.");
  m.messages_delivered = layout.add_counter("sluice_messages_delivered_total",
                                            "Messages written to subscribers, one per subscriber.");
  m.messages_dropped = layout.add_counter(
      "sluice_messages_dropped_total",
      "Messages not delivered to a subscriber, by the slow-consumer policy that dropped them.",
      {label("policy", slow_consumer_policy_names())});
  m.thread_queue_refused = layout.add_counter(
      "sluice_thread_queue_refused_total",
      "Work for a worker thread from another thread refused because that thread's queue was full: "
      "publishes its subscribers missed, or tasks.",
      {label("queue", {"publishes", "tasks"})});
  m.bytes_received = layout.add_counter("sluice_bytes_received_total",
                                        "Bytes read from clients and sources, framing included.");
  m.bytes_sent = layout.add_counter("sluice_bytes_sent_total", "Bytes the sockets took, framing included.");

  m.buffered_bytes =
      layout.add_gauge("sluice_buffered_bytes", "Bytes queued in user space for all connections now.");
  m.kernel_unsent_bytes = layout.add_gauge(
      "sluice_kernel_unsent_bytes", "Bytes in the sockets' send buffers not yet sent (SIOCOUTQ, summed).");
  m.buffered_bytes_high_water = layout.add_gauge("sluice_buffered_bytes_high_water",
                                                 "Largest sluice_buffered_bytes since the relay started.");
  m.memory_budget_bytes = layout.add_gauge(
      "sluice_memory_budget_bytes",
      "The engine's budget for send queues and message assembly (max_total_buffered_bytes).");
  m.memory_limit_bytes =
      layout.add_gauge("sluice_memory_limit_bytes",
                       "The relay's memory limit (memory_limit), which the resource guard enforces.");
  m.memory_used_bytes =
      layout.add_gauge("sluice_memory_used_bytes",
                       "Bytes the relay holds and counts: send queues, message assembly, history.");
  m.resource_pressure = layout.add_gauge(
      "sluice_resource_pressure",
      "1 for the resource guard's state of a resource (over: new work refused), 0 for the others.",
      {label("resource", resource_names()), label("state", pressure_names())});
  m.ready = layout.add_gauge("sluice_ready", "1 while /readyz answers 200, else 0.");
  m.broker_shards = layout.add_gauge("sluice_broker_shards", "Redis shards of the broker (0: no broker).");
  m.broker_shards_up =
      layout.add_gauge("sluice_broker_shards_up", "Broker shards reachable and subscribed now.");
  m.broker_reconnects =
      layout.add_counter("sluice_broker_reconnects_total", "Connections to the broker made again.");
  m.broker_published =
      layout.add_counter("sluice_broker_published_total", "Publishes the broker numbered for the cluster.");
  m.broker_publish_failed = layout.add_counter(
      "sluice_broker_publish_failed_total", "Publishes refused or lost because the broker was unreachable.");
  m.broker_received =
      layout.add_counter("sluice_broker_received_total", "Messages received from the broker.");
  m.broker_delivered = layout.add_counter("sluice_broker_delivered_total",
                                          "Messages from the broker handed to subscribers, once each.");
  m.broker_repairs =
      layout.add_counter("sluice_broker_repairs_total",
                         "Topics checked against the broker's history after a reconnect or a gap.");
  m.broker_gaps = layout.add_counter("sluice_broker_gaps_total",
                                     "Gap notices for messages the broker's history no longer held.");
  m.broker_resets = layout.add_counter("sluice_broker_resets_total",
                                       "Topics whose numbering the broker lost (a new epoch).");
  m.broker_dropped =
      layout.add_counter("sluice_broker_dropped_total",
                         "Messages held during a catch-up dropped over inbound_queue (read again).");
  m.broker_probe_failures = layout.add_counter(
      "sluice_broker_probe_failures_total", "Broker subscriptions found dead by the probe and reconnected.");

  m.delivery_latency = layout.add_histogram(
      "sluice_delivery_latency_seconds",
      "Time from publish to the write that handed a message to a subscriber's socket, per subscriber.",
      delivery_latency_bounds());

  m.source_messages =
      layout.add_counter("sluice_source_messages_total", "Messages a source published.", {source});
  m.source_bytes = layout.add_counter("sluice_source_bytes_total", "Bytes a source read.", {source});
  m.source_frames_dropped = layout.add_counter("sluice_source_frames_dropped_total",
                                               "Frames a source's decoder dropped, by reason.",
                                               {source, label("reason", drop_reason_names())});
  m.source_kernel_drops =
      layout.add_counter("sluice_source_kernel_drops_total",
                         "Datagrams the kernel dropped before a source read them (SO_RXQ_OVFL).", {source});
  m.source_errors =
      layout.add_counter("sluice_source_errors_total", "Read, open or connect errors of a source.", {source});
  m.source_restarts =
      layout.add_counter("sluice_source_restarts_total",
                         "Times a source reopened, reconnected or restarted its child.", {source});
  m.source_state =
      layout.add_gauge("sluice_source_state", "1 for the state a source is in, 0 for the others.",
                       {source, label("state", source_state_names())});

  m.topic_messages_published = layout.add_counter(
      "sluice_topic_messages_published_total",
      "Messages published to topics matching a pattern configured for per-topic metrics.", {topic});
  m.topic_messages_dropped = layout.add_counter(
      "sluice_topic_messages_dropped_total",
      "Messages dropped for subscribers of topics matching a pattern configured for per-topic metrics.",
      {topic});
  m.topic_subscribers =
      layout.add_gauge("sluice_topic_subscribers",
                       "Subscribers of topics matching a pattern configured for per-topic metrics.", {topic});

  m.http_requests = layout.add_counter(
      "sluice_http_requests_total", "HTTP requests answered, by route and status code.",
      {label("route", http_route_names()), label("code", http_code_names())}, ZeroSeries::hidden);
  return m;
}

void set_source_state(MetricShard& shard, const RelayMetrics& metrics, std::size_t source,
                      SourceState state) {
  for (std::size_t i = 0; i < source_state_count; ++i) {
    shard.set(metrics.source_state.at(source, i), static_cast<SourceState>(i) == state ? 1 : 0);
  }
}

void set_resource_pressure(MetricShard& shard, const RelayMetrics& metrics, Resource resource,
                           Pressure pressure) {
  for (std::size_t i = 0; i < pressure_count; ++i) {
    shard.set(metrics.resource_pressure.at(resource, i), static_cast<Pressure>(i) == pressure ? 1 : 0);
  }
}

void append_metrics_text(std::string& out, const MetricRegistry& registry, const ProcessSample& process) {
  registry.write_text(out);
  append_process_metrics(out, process);
}

void fill_stats_totals(StatsSnapshot& stats, const MetricRegistry& registry, const RelayMetrics& m) {
  const auto gauge = [&](GaugeSeries s) {
    const std::int64_t v = registry.value(s);
    return v > 0 ? static_cast<std::uint64_t>(v) : 0;
  };
  std::uint64_t closed = 0;
  for (std::size_t i = 0; i < connection_state_count; ++i) stats.connections[i] = gauge(m.connections.at(i));
  for (std::size_t i = 0; i < close_reason_count; ++i) closed += registry.value(m.connections_closed.at(i));
  stats.connections_opened = registry.value(m.connections_opened.at());
  stats.connections_closed = closed;

  stats.messages_received = 0;
  for (std::size_t i = 0; i < message_origin_count; ++i) {
    stats.messages_received += registry.value(m.messages_received.at(i));
  }
  stats.messages_published = registry.value(m.messages_published.at());
  stats.messages_delivered = registry.value(m.messages_delivered.at());
  stats.bytes_received = registry.value(m.bytes_received.at());
  stats.bytes_sent = registry.value(m.bytes_sent.at());
  for (std::size_t i = 0; i < slow_consumer_policies.size(); ++i) {
    stats.dropped[i] = registry.value(m.messages_dropped.at(i));
  }

  stats.buffered_bytes = gauge(m.buffered_bytes.at());
  stats.kernel_unsent_bytes = gauge(m.kernel_unsent_bytes.at());
  stats.buffered_high_water = gauge(m.buffered_bytes_high_water.at());
  stats.memory_budget_bytes = gauge(m.memory_budget_bytes.at());
  stats.memory_limit_bytes = gauge(m.memory_limit_bytes.at());
  stats.memory_used_bytes = gauge(m.memory_used_bytes.at());
}

}  // namespace sluice::relay
