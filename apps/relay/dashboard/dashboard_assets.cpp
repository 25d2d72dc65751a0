// The lookup by path over the generated table. A handful of assets: a linear scan is the
// simplest thing that is fast enough.
#include "dashboard/dashboard_assets.hpp"

namespace sluice::relay {

const DashboardAsset* find_dashboard_asset(std::string_view path) {
  if (path == "/index.html") path = "/";
  for (const DashboardAsset& asset : dashboard_assets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

}  // namespace sluice::relay
