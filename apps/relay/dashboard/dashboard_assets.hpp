// The dashboard's files, embedded in the binary at build time (apps/relay/dashboard/CMakeLists.txt):
// the relay answers GET / and /assets/... from them, with no file or network access, so the
// page works offline. Everything here is constant data, valid for the life of the process.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::relay {

struct DashboardAsset {
  std::string_view path;          // the URL path: "/" for the page, "/assets/NAME" for the rest
  std::string_view content_type;  // with its charset, ready for the Content-Type header
  std::string_view etag;          // a quoted strong ETag, from the file's SHA-256
  std::span<const std::uint8_t> bytes;
};

// Every asset: the page first, then what it loads (its script and style, uPlot's).
std::span<const DashboardAsset> dashboard_assets();

// The asset for a request path (without its query), or nullptr. "/index.html" is the page too.
const DashboardAsset* find_dashboard_asset(std::string_view path);

}  // namespace sluice::relay
