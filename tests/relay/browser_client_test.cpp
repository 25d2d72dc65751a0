// The embedded browser client: /sluice.js, byte for byte the file in apps/relay/browser, with
// the Content-Type and ETag the relay answers with.
#include "browser/browser_client.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace sluice::relay {
namespace {

TEST(BrowserClient, EmbedsSluiceJsByteForByte) {
  const DashboardAsset& asset = browser_client_asset();
  EXPECT_EQ(asset.path, "/sluice.js");
  EXPECT_EQ(asset.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(asset.etag.size(), 22u);
  std::ifstream file(SLUICE_BROWSER_CLIENT, std::ios::binary);
  const std::string expected{std::istreambuf_iterator<char>(file), {}};
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(asset.bytes.data()), asset.bytes.size()), expected);
}

}  // namespace
}  // namespace sluice::relay
