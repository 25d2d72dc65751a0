// parse_ws_url: the ws:// and wss:// URLs sluice::Client accepts (RFC 6455 §3, RFC 3986), what each part
// becomes (host, port, request target, Host header), and the URLs it refuses.
#include "client/url.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace sluice::detail {
namespace {

Url parsed(std::string_view text) {
  std::optional<Url> u = parse_ws_url(text);
  EXPECT_TRUE(u.has_value()) << "refused: " << text;
  return u.value_or(Url{});
}

void expect_refused(std::string_view text) {
  EXPECT_FALSE(parse_ws_url(text).has_value()) << "accepted: " << ::testing::PrintToString(std::string(text));
}

TEST(Url, SplitsHostPortPathAndQuery) {
  Url u = parsed("ws://example.com:9001/chat/room?user=ann&x=1");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.port, 9001);
  EXPECT_EQ(u.target, "/chat/room?user=ann&x=1");
  EXPECT_EQ(u.host_header, "example.com:9001");
}

TEST(Url, DefaultPortIs80AndTheHostHeaderHasNoPort) {
  Url u = parsed("ws://example.com/chat");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.host_header, "example.com");
  EXPECT_EQ(u.target, "/chat");
}

TEST(Url, WssIsTlsWithDefaultPort443) {
  Url u = parsed("wss://example.com/chat");
  EXPECT_TRUE(u.secure);
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.host_header, "example.com");
  EXPECT_EQ(u.target, "/chat");
  EXPECT_EQ(parsed("WSS://example.com:8443").port, 8443);
  EXPECT_TRUE(parsed("WsS://[::1]:8443/").secure);
  EXPECT_FALSE(parsed("ws://example.com/").secure);
}

TEST(Url, AnEmptyPortMeansTheDefault) {
  Url u = parsed("ws://example.com:/x");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.target, "/x");
}

TEST(Url, AMissingPathIsSlash) {
  EXPECT_EQ(parsed("ws://example.com").target, "/");
  EXPECT_EQ(parsed("ws://example.com:81").target, "/");
  EXPECT_EQ(parsed("ws://example.com:81").port, 81);
}

TEST(Url, AQueryWithoutAPathGetsSlashInFront) {
  Url u = parsed("ws://example.com?token=abc");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.target, "/?token=abc");
  EXPECT_EQ(parsed("ws://example.com:9000?x").target, "/?x");
  EXPECT_EQ(parsed("ws://example.com:9000?x").port, 9000);
}

TEST(Url, PathAndQueryAreKeptVerbatim) {
  EXPECT_EQ(parsed("ws://a/p%20q/%2F?x=%41&y&=z/?").target, "/p%20q/%2F?x=%41&y&=z/?");
  EXPECT_EQ(parsed("ws://a//double//slash").target, "//double//slash");
}

TEST(Url, TheSchemeIsCaseInsensitiveAndTheHostKeepsItsCase) {
  Url u = parsed("WS://Example.COM:8080/");
  EXPECT_EQ(u.host, "Example.COM");
  EXPECT_EQ(u.host_header, "Example.COM:8080");
  EXPECT_TRUE(parse_ws_url("Ws://a/").has_value());
}

TEST(Url, Ipv4Literal) {
  Url u = parsed("ws://127.0.0.1:9001/");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 9001);
  EXPECT_EQ(u.host_header, "127.0.0.1:9001");
}

TEST(Url, BracketedIpv6LiteralLosesItsBracketsOnlyInHost) {
  Url u = parsed("ws://[::1]:9001/x?y");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9001);
  EXPECT_EQ(u.target, "/x?y");
  EXPECT_EQ(u.host_header, "[::1]:9001");

  Url v = parsed("ws://[2001:db8::1]");
  EXPECT_EQ(v.host, "2001:db8::1");
  EXPECT_EQ(v.port, 80);
  EXPECT_EQ(v.target, "/");
  EXPECT_EQ(v.host_header, "[2001:db8::1]");

  EXPECT_EQ(parsed("ws://[::ffff:127.0.0.1]:80/").host, "::ffff:127.0.0.1");
  EXPECT_EQ(parsed("ws://[::1]?q").target, "/?q");
}

TEST(Url, RefusesBadIpv6Brackets) {
  expect_refused("ws://[::1/");              // never closed
  expect_refused("ws://[::1]x/");            // garbage after the bracket
  expect_refused("ws://[::1]]:80/");         // garbage after the bracket
  expect_refused("ws://[]/");                // empty
  expect_refused("ws://[example.com]/");     // a name is not an IPv6 literal
  expect_refused("ws://[127.0.0.1]/");       // nor is an IPv4 one
  expect_refused("ws://[::1::2]/");          // two "::"
  expect_refused("ws://[fe80::1%25eth0]/");  // zone identifiers are not supported
  expect_refused("ws://x[::1]/");
}

TEST(Url, RefusesAnUnbracketedIpv6Literal) {
  expect_refused("ws://::1/");
  expect_refused("ws://::1:9001/");
  expect_refused("ws://fe80::1/");
  expect_refused("ws://2001:db8::1:80/");
}

TEST(Url, PortBounds) {
  EXPECT_EQ(parsed("ws://a:1/").port, 1);
  EXPECT_EQ(parsed("ws://a:65535/").port, 65535);
  EXPECT_EQ(parsed("ws://a:0080/").port, 80);
  expect_refused("ws://a:0/");
  expect_refused("ws://a:65536/");
  expect_refused("ws://a:4294967377/");  // 2^32 + 81: must not wrap around to 81
  expect_refused("ws://a:99999999999999999999/");
}

TEST(Url, RefusesAPortThatIsNotADecimalNumber) {
  expect_refused("ws://a:-1/");
  expect_refused("ws://a:+80/");
  expect_refused("ws://a:8o/");
  expect_refused("ws://a:0x50/");
  expect_refused("ws://a:80:81/");
  expect_refused("ws://a:http/");
}

TEST(Url, RefusesOtherSchemesAndNonUrls) {
  expect_refused("");
  expect_refused("example.com");
  expect_refused("wss:/example.com/");
  expect_refused("wsss://example.com/");
  expect_refused("https://example.com/");
  expect_refused("http://example.com/");
  expect_refused("ws:/example.com/");
  expect_refused("ws:example.com");
  expect_refused("ws//example.com/");
  expect_refused(" ws://example.com/");
  expect_refused("ws");
}

TEST(Url, RefusesAnEmptyHost) {
  expect_refused("ws://");
  expect_refused("ws:///path");
  expect_refused("ws://:80/");
  expect_refused("ws://?q");
}

TEST(Url, RefusesUserinfo) {
  expect_refused("ws://user@example.com/");
  expect_refused("ws://user:secret@example.com:80/");
}

TEST(Url, RefusesFragments) {
  // RFC 6455 §3: fragment identifiers MUST NOT be used in WebSocket URIs.
  expect_refused("ws://a/#x");
  expect_refused("ws://a/p?q#f");
  expect_refused("ws://a#x");
  expect_refused("ws://a:80#x");
}

TEST(Url, RefusesSpacesControlsAndNonAscii) {
  expect_refused("ws://a/b c");
  expect_refused("ws://a b/");
  expect_refused("ws://a/\t");
  expect_refused("ws://a/\x7f");
  expect_refused("ws://a/caf\xc3\xa9");
  expect_refused(std::string_view("ws://a/\0", 8));
  // Would inject a header into the request.
  expect_refused("ws://a\r\nX-Injected: 1/");
  expect_refused("ws://a/\r\nX-Injected: 1");
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
