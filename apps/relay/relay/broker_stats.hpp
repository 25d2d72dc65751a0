// The broker's figures in GET /stats, as one more field of the snapshot's object:
//
//   "broker":{"state":"up","shards":2,"shards_up":2,"reconnects":0,"published":10,
//             "publish_failed":0,"received":10,"delivered":10,"duplicates":0,"repairs":0,
//             "repaired":0,"gaps":0,"resets":0,"dropped":0,"probes_failed":0,"lag_ms":1}
#pragma once

#include <string>

#include "relay/relay.hpp"

namespace sluice::relay {

// Adds "broker" to `stats_json` (a JSON object) when the relay has a broker.
void add_broker_stats(std::string& stats_json, const Relay& relay);

}  // namespace sluice::relay
