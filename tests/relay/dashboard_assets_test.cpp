// The embedded dashboard: every file the page loads is there, with its Content-Type and ETag,
// byte for byte what was embedded (uPlot as npm installed it), and found by its path.
#include "dashboard/dashboard_assets.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>

namespace sluice::relay {
namespace {

std::string text_of(const DashboardAsset& asset) {
  return {reinterpret_cast<const char*>(asset.bytes.data()), asset.bytes.size()};
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), {}};
}

TEST(DashboardAssets, HoldsThePageAndEverythingItLoads) {
  const DashboardAsset* page = find_dashboard_asset("/");
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(find_dashboard_asset("/index.html"), page);
  const std::string html = text_of(*page);
  std::set<std::string_view> paths;
  for (const DashboardAsset& asset : dashboard_assets()) {
    EXPECT_TRUE(paths.insert(asset.path).second) << asset.path;
    EXPECT_FALSE(asset.bytes.empty()) << asset.path;
    EXPECT_EQ(asset.etag.size(), 22u) << asset.path;
    EXPECT_EQ(asset.etag.front(), '"');
    if (asset.path == "/") continue;
    // The page refers to its assets relatively, so the relay can sit under a path prefix.
    const std::string reference = "\"" + std::string(asset.path.substr(1)) + "\"";
    EXPECT_NE(html.find(reference), std::string::npos) << reference;
    const bool script = asset.path.ends_with(".js");
    EXPECT_EQ(asset.content_type, script ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8");
  }
  EXPECT_EQ(paths.size(), 5u);
  EXPECT_EQ(find_dashboard_asset("/assets/missing.js"), nullptr);
  EXPECT_EQ(find_dashboard_asset(""), nullptr);
}

TEST(DashboardAssets, EmbedsTheFilesByteForByte) {
  const DashboardAsset* uplot = find_dashboard_asset("/assets/uPlot.iife.min.js");
  ASSERT_NE(uplot, nullptr);
  EXPECT_EQ(text_of(*uplot), read_file(SLUICE_DASHBOARD_DIR "/node_modules/uplot/dist/uPlot.iife.min.js"));
  const DashboardAsset* script = find_dashboard_asset("/assets/dashboard.js");
  ASSERT_NE(script, nullptr);
  EXPECT_EQ(text_of(*script), read_file(SLUICE_DASHBOARD_DIR "/dashboard.js"));
}

}  // namespace
}  // namespace sluice::relay
