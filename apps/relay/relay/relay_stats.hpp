// The relay's stats snapshot (GET /stats, the /stats/ws feed) from the engine's counters, the
// relay's topics and the process's own figures.
#pragma once

#include <chrono>

#include <sluice/sluice.hpp>

#include "metrics/stats_json.hpp"
#include "relay/refusals.hpp"
#include "relay/relay.hpp"

namespace sluice::relay {

StatsSnapshot take_snapshot(const sluice::Server& server, const Relay& relay, const Refusals& refusals,
                            std::chrono::steady_clock::time_point started);

}  // namespace sluice::relay
