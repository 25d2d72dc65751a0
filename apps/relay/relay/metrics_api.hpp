// MetricsApi: GET /metrics, and the relay-wide totals of /stats, from one set of cells. At each
// scrape the catalogue's cells are set from figures their owners keep (the engine's counters,
// summed over its workers; the relay's publish counts and topics; the HTTP request counts; the
// resource guard; the sources), gathered once (Figures): reading them never walks connections,
// so a scrape costs the same with ten connections or a million, and /stats and /metrics never
// disagree.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <sluice/sluice.hpp>

#include "metrics/catalogue.hpp"
#include "metrics/metric_registry.hpp"
#include "metrics/stats_json.hpp"
#include "operations/resource_guard.hpp"
#include "relay/http_counts.hpp"
#include "relay/relay.hpp"
#include "topics/topic_pattern.hpp"

namespace sluice::relay {

// The figures one scrape or snapshot is made of.
struct Figures {
  ServerStats engine;
  std::array<std::uint64_t, message_origin_count> received{};  // by MessageOrigin
  std::uint64_t published = 0;
  std::uint64_t memory_limit = 0;
  std::uint64_t memory_used = 0;  // the engine's count and the topics' history
  std::array<Pressure, resource_count> pressure{};
  bool ready = true;
  std::string not_ready_reason;
  std::vector<SourceRow> sources;
  std::vector<TopicSummary> topics;
};

class MetricsApi {
 public:
  explicit MetricsApi(MetricBounds bounds);

  // The body of GET /metrics: the catalogue from `f`, then the process_* metrics.
  std::string text(const Figures& f, const HttpCounts& http);
  // The relay-wide totals of a /stats snapshot, from the same cells.
  void fill_totals(const Figures& f, const HttpCounts& http, StatsSnapshot& out);

 private:
  void refresh(const Figures& f, const HttpCounts& http);  // under mutex_
  void refresh_sources(const std::vector<SourceRow>& sources);
  void refresh_topics(const std::vector<TopicSummary>& topics);

  MetricBounds bounds_;
  std::vector<TopicPattern> patterns_;  // bounds_.topic_patterns, parsed
  RelayMetrics metrics_;
  std::mutex mutex_;  // one scrape at a time fills the cells
  MetricRegistry registry_;
};

// Where a message came from, as the metric labels name it.
MessageOrigin origin_of(Publisher who);

}  // namespace sluice::relay
