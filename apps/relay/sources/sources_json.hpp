// The JSON form of the sources' statuses: the body of GET /sources, and the rows of the stats
// snapshot (metrics/stats_json.hpp). Fields are only ever added, never renamed.
//
//   {"sources":[{"name":"radio","type":"serial","topic":"sensors/radio","state":"running",
//     "last_error":null,"messages":9000,"messages_per_second":200,"bytes":2295000,
//     "frames_dropped":{"oversized":0,"malformed":2,"truncated":0},"publish_refused":0,
//     "kernel_drops":0,"errors":1,"restarts":1,"pauses":0,"connections":0,
//     "connections_refused":0,"sink":{"topic":"commands/radio","messages":3,"bytes":96,
//     "queued_bytes":0,"dropped":{"full":0,"unencodable":0,"cut_off":0}}}]}
//
// "sink" is null for a source without a sink_topic; "connections" counts a tcp listen
// source's producers (0 for the other types); counters count since the source started.
#pragma once

#include <string>
#include <vector>

#include "metrics/stats_json.hpp"
#include "sources/source_status.hpp"

namespace sluice::relay {

void append_sources_json(std::string& out, const std::vector<SourceStatusSnapshot>& sources);

// The stats snapshot's row for a source.
SourceRow source_row(const SourceStatusSnapshot& status);

}  // namespace sluice::relay
