// parse_ws_url: the parts of a ws:// URL (RFC 6455 §3), and the bytes no URL may carry because
// they would reach the wire inside the Host header or the request line.
#include "client/url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace sluice::detail {
namespace {

TEST(Url, SplitsHostPortAndTarget) {
  auto u = parse_ws_url("ws://example.com:9001/chat?room=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 9001);
  EXPECT_EQ(u->target, "/chat?room=1");
  EXPECT_EQ(u->host_header, "example.com:9001");
}

TEST(Url, DefaultsPortAndPath) {
  auto u = parse_ws_url("ws://[::1]?x");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/?x");
  EXPECT_EQ(u->host_header, "[::1]");
}

TEST(Url, RejectsBadPortsSchemesAndUserinfo) {
  for (std::string_view bad :
       {"wss://host/", "http://host/", "ws://host:0/", "ws://host:65536/", "ws://host:8x/", "ws://user@host/",
        "ws:///path", "ws://[::1/", "ws://[::1]x/"})
    EXPECT_FALSE(parse_ws_url(bad)) << bad;
}

// Found by the url fuzzer: a control byte in the host went out inside the Host header, and a
// CR LF there would have added a header line of the URL's choosing.
TEST(Url, RejectsBytesNoUrlMayCarryInTheHostOrTarget) {
  using namespace std::string_view_literals;
  for (std::string_view part :
       {"\r\nX-Injected: 1"sv, "\0"sv, "\x0f"sv, " "sv, "\t"sv, "\x7f"sv, "\xc3\xa9"sv, "#frag"sv}) {
    EXPECT_FALSE(parse_ws_url("ws://ho" + std::string(part) + "st/")) << part;
    EXPECT_FALSE(parse_ws_url("ws://host/pa" + std::string(part) + "th")) << part;
    EXPECT_FALSE(parse_ws_url("ws://host?q=" + std::string(part))) << part;
  }
}

}  // namespace
}  // namespace sluice::detail
