// The browser client, sluice.js, embedded at build time (browser/CMakeLists.txt). The relay
// serves it at /sluice.js the way it serves the dashboard's files: same Content-Type rules,
// an ETag from the file's SHA-256, 304 when the browser already has it.
#pragma once

#include "dashboard/dashboard_assets.hpp"

namespace sluice::relay {

// Valid for the life of the process.
const DashboardAsset& browser_client_asset();

}  // namespace sluice::relay
