// GET /sources: the state and counters of every configured source, as JSON (the format is in
// sources/sources_json.hpp).
#pragma once

#include <functional>
#include <vector>

#include <sluice/sluice.hpp>

#include "sources/source_status.hpp"

namespace sluice::relay {

using SourceStatuses = std::function<std::vector<SourceStatusSnapshot>()>;

void install_sources_api(sluice::Server& server, SourceStatuses statuses);

}  // namespace sluice::relay
