// StatsSnapshot: the relay's figures at one instant, as plain values, and their JSON form. The
// JSON is the contract of GET /stats and of the snapshot /stats/ws pushes every second, which
// the dashboard draws; fields are only ever added to it, never renamed.
//
//   {"time":1733339000123,"uptime_seconds":42.5,
//    "connections":{"handshaking":1,"open":40,"closing":0,"opened_total":57,"closed_total":16},
//    "messages":{"received_total":9100,"published_total":9000,"delivered_total":360000},
//    "bytes":{"received_total":2275000,"sent_total":90000000},
//    "dropped":{"close":0,"drop_newest":12,"drop_oldest":0,"latest":0,"backpressure":0},
//    "buffered":{"user_bytes":65536,"kernel_bytes":131072,"high_water_bytes":262144},
//    "memory":{"limit_bytes":1073741824,"used_bytes":1048576,"rss_bytes":9437184,
//              "budget_bytes":1073741824},
//    "topic_count":1,
//    "topics":[{"name":"sensors/radio","subscribers":40,"messages_per_second":200,
//               "last_seq":9000,"dropped":12}],
//    "sources":[{"name":"radio","type":"serial","state":"running","messages_per_second":200,
//                "bytes":2250000,"errors":0,"restarts":1,"last_error":null}],
//    "slowest":[{"peer":"127.0.0.1:51234","path":"/topics/sensors/radio",
//                "topics":["sensors/radio"],"age_seconds":12.5,"queued_bytes":65536,
//                "kernel_queued_bytes":131072,"dropped":12}],
//    "resources":{"memory":"ok","connections":"ok","file_descriptors":"ok"},
//    "ready":true,"not_ready_reason":null}
//
// "time" is when the snapshot was taken, in ms since the Unix epoch (as in envelopes); *_total
// and the rows' "dropped", "bytes", "errors" and "restarts" count since the relay started, so
// a reader derives rates from two snapshots. "dropped" is by slow-consumer policy, one key per
// policy, always all five. "buffered": bytes queued in user space across all connections now,
// bytes the kernel holds unsent (SIOCOUTQ, summed), and the user-space high water since start.
// "memory": the relay's memory limit (memory_limit), what it holds and counts (queues, message
// assembly, history), the resident set, and the engine's budget for queues. "topics" may hold
// fewer rows than "topic_count" (the busiest first); "slowest" lists the connections with the
// most bytes queued, most first. "last_error" is a string, or null when there was none.
// "resources": the resource guard's state of each (ok, warning past 80 %, over: new work
// refused); "ready" is what GET /readyz answers, and "not_ready_reason" why not (or null).
// "refused", after "memory" (the relay writes it; absent when the snapshot has no such counts):
// requests, upgrades and client messages turned down since start, by reason, e.g.
// {"bad_request":2,"unauthorized":1,"forbidden":0,"not_found":0,"too_large":0,"over_limit":3}.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "metrics/relay_labels.hpp"
#include "operations/resource_guard.hpp"
#include "topics/publish_time.hpp"

namespace sluice::relay {

struct TopicRow {
  std::string name;
  std::uint64_t subscribers = 0;
  double messages_per_second = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t dropped = 0;
};

struct SourceRow {
  std::string name;
  SourceType type = SourceType::demo;
  SourceState state = SourceState::starting;
  double messages_per_second = 0;
  std::uint64_t bytes = 0;
  std::uint64_t errors = 0;
  std::uint64_t restarts = 0;
  std::string last_error;  // empty: none (written as null)
  // For /metrics only.
  std::uint64_t messages = 0;                     // published since the relay started
  std::array<std::uint64_t, 3> frames_dropped{};  // by DropReason: oversized, malformed, truncated
  std::uint64_t kernel_drops = 0;
};

struct ConnectionRow {
  std::string peer;  // address:port
  std::string path;  // the request path it upgraded on
  std::vector<std::string> topics;
  double age_seconds = 0;
  std::uint64_t queued_bytes = 0;         // buffered_amount()
  std::uint64_t kernel_queued_bytes = 0;  // SIOCOUTQ
  std::uint64_t dropped = 0;
};

struct StatsSnapshot {
  PublishTime time;
  double uptime_seconds = 0;

  std::array<std::uint64_t, connection_state_count> connections{};  // by ConnectionState
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_closed = 0;

  std::uint64_t messages_received = 0;
  std::uint64_t messages_published = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::array<std::uint64_t, slow_consumer_policies.size()> dropped{};  // by SlowConsumerPolicy

  std::uint64_t buffered_bytes = 0;
  std::uint64_t kernel_unsent_bytes = 0;
  std::uint64_t buffered_high_water = 0;
  std::uint64_t memory_limit_bytes = 0;
  std::uint64_t memory_budget_bytes = 0;
  std::uint64_t memory_used_bytes = 0;
  std::uint64_t rss_bytes = 0;
  std::vector<std::pair<std::string_view, std::uint64_t>> refused;  // by reason, in order

  std::size_t topic_count = 0;
  std::vector<TopicRow> topics;
  std::vector<SourceRow> sources;
  std::vector<ConnectionRow> slowest;

  std::array<Pressure, resource_count> resources{};  // by Resource
  bool ready = true;
  std::string not_ready_reason;  // empty when ready (written as null)
};

// Appends the snapshot as one compact JSON object, keys in the order shown above.
void append_stats_json(std::string& out, const StatsSnapshot& stats);
std::string stats_json(const StatsSnapshot& stats);

}  // namespace sluice::relay
