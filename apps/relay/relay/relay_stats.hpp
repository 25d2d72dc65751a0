// The relay's stats snapshot (GET /stats, the /stats/ws feed): the totals come from the metric
// cells (MetricsApi::fill_totals); these fill in the rest from the same figures: the busiest
// topics, the sources, the connections with the most bytes queued, memory and readiness.
#pragma once

#include <vector>

#include <sluice/sluice.hpp>

#include "metrics/stats_json.hpp"
#include "relay/metrics_api.hpp"

namespace sluice::relay {

inline constexpr std::size_t stats_topic_rows = 20;       // the busiest topics
inline constexpr std::size_t stats_connection_rows = 10;  // the connections with the most queued

void fill_snapshot_rows(StatsSnapshot& out, const Figures& f, const std::vector<ConnectionInfo>& busiest);

// One row of "slowest" from what the engine reports and the note the relay gave it.
ConnectionRow connection_row(const ConnectionInfo& info, PublishTime now);

}  // namespace sluice::relay
