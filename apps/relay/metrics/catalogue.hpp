// The relay's metric catalogue: every family /metrics exposes, with its name, help, type and
// labels, declared in one place. Labels come from the closed enums of relay_labels.hpp or from
// the configuration (source names, topic patterns opted in to per-topic series), so the series
// count is fixed when the relay starts; see docs/architecture.md for what each figure means.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "metrics/metric_layout.hpp"
#include "metrics/metric_registry.hpp"
#include "metrics/process_metrics.hpp"
#include "metrics/relay_labels.hpp"
#include "metrics/stats_json.hpp"

namespace sluice::relay {

// Upper bounds of sluice_delivery_latency_seconds, publish to write: the engine's buckets,
// 16 µs doubling to 16.8 s (sluice::delivery_latency_bound); +Inf is implied.
std::vector<double> delivery_latency_bounds();

// What bounds the configured labels.
struct MetricBounds {
  // The [[source]] names, in file order: a source's label index is its position. A name not
  // listed (a source added by a reload) is counted under "other".
  std::vector<std::string> sources;
  // Topic patterns (or names) that get per-topic series, labelled with the pattern itself; a
  // topic matching none of them is counted only in the relay-wide totals. Empty by default,
  // so a client creating topics can never add series.
  std::vector<std::string> topic_patterns;
};

// Handles to every family, for the code that counts. Label indices: an enum from
// relay_labels.hpp, a SlowConsumerPolicy, a source's position in MetricBounds::sources (its
// count for "other"), a topic pattern's position, or http_code_index(status).
struct RelayMetrics {
  GaugeFamily connections;                 // {state}
  CounterFamily connections_opened;        //
  CounterFamily connections_closed;        // {reason}
  CounterFamily messages_received;         // {via}
  CounterFamily messages_published;        //
  CounterFamily messages_delivered;        //
  CounterFamily messages_dropped;          // {policy}
  CounterFamily thread_queue_refused;      // {queue}: publishes or tasks between threads
  CounterFamily bytes_received;            //
  CounterFamily bytes_sent;                //
  GaugeFamily buffered_bytes;              //
  GaugeFamily kernel_unsent_bytes;         //
  GaugeFamily buffered_bytes_high_water;   //
  GaugeFamily memory_budget_bytes;         //
  GaugeFamily memory_limit_bytes;          //
  GaugeFamily memory_used_bytes;           //
  GaugeFamily resource_pressure;           // {resource, state}: 1 for the current state
  GaugeFamily ready;                       //
  HistogramFamily delivery_latency;        //
  CounterFamily source_messages;           // {source}
  CounterFamily source_bytes;              // {source}
  CounterFamily source_frames_dropped;     // {source, reason}: DropReason
  CounterFamily source_kernel_drops;       // {source}
  CounterFamily source_errors;             // {source}
  CounterFamily source_restarts;           // {source}
  GaugeFamily source_state;                // {source, state}: 1 for the current state
  CounterFamily topic_messages_published;  // {topic}
  CounterFamily topic_messages_dropped;    // {topic}
  GaugeFamily topic_subscribers;           // {topic}
  CounterFamily http_requests;             // {route, code}
  // The broker ([broker]; all zero without one).
  GaugeFamily broker_shards;            // configured
  GaugeFamily broker_shards_up;         //
  CounterFamily broker_reconnects;      //
  CounterFamily broker_published;       // numbered by the broker
  CounterFamily broker_publish_failed;  // refused: broker down, or failed in flight
  CounterFamily broker_received;        // messages from the broker
  CounterFamily broker_delivered;       // of them, handed to subscribers once
  CounterFamily broker_repairs;         // topics checked against the broker's history
  CounterFamily broker_gaps;            // gap notices: the history no longer held them
  CounterFamily broker_resets;          // topics whose numbering the broker lost
  CounterFamily broker_dropped;         // held messages over inbound_queue
  CounterFamily broker_probe_failures;  // subscriptions found dead by the probe

  // Declares the catalogue in `layout` (throws std::invalid_argument on a repeated source
  // name or topic pattern, or one named "other").
  static RelayMetrics declare(MetricLayout& layout, const MetricBounds& bounds);
};

// Sets sluice_source_state for one source: 1 for `state`, 0 for the others. A gauge is the
// sum of its shards, so one source's state is always set through the same shard.
void set_source_state(MetricShard& shard, const RelayMetrics& metrics, std::size_t source, SourceState state);
// The same for the resource guard's state of one resource.
void set_resource_pressure(MetricShard& shard, const RelayMetrics& metrics, Resource resource,
                           Pressure pressure);

// The body of GET /metrics: the catalogue, then the process_* metrics.
void append_metrics_text(std::string& out, const MetricRegistry& registry, const ProcessSample& process);

// Fills the relay-wide figures of a /stats snapshot from the same cells /metrics reads, so the
// two never disagree: connections, message, byte and drop totals, buffered bytes and memory.
// Time, uptime, RSS and the table rows are the caller's.
void fill_stats_totals(StatsSnapshot& stats, const MetricRegistry& registry, const RelayMetrics& metrics);

}  // namespace sluice::relay
