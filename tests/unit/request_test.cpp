// The public HttpRequest / UpgradeRequest accessors and the header-token helpers behind them.
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "http/tokens.hpp"
#include "sluice/http.hpp"

namespace sluice {
namespace {

UpgradeRequest request_with(const std::vector<HttpHeader>& headers) {
  UpgradeRequest r;
  r.method = "GET";
  r.target = r.path = "/";
  r.headers = headers;
  return r;
}

TEST(HttpRequest, HeaderMatchesNameCaseInsensitively) {
  const std::vector<HttpHeader> headers = {{"Host", "a.example"}, {"X-Custom-Thing", "42"}};
  UpgradeRequest r = request_with(headers);
  EXPECT_EQ(r.header("host"), "a.example");
  EXPECT_EQ(r.header("HOST"), "a.example");
  EXPECT_EQ(r.header("x-custom-thing"), "42");
  EXPECT_EQ(r.header("X-CUSTOM-THING"), "42");
  EXPECT_TRUE(r.has_header("hOsT"));
}

TEST(HttpRequest, HeaderIsEmptyWhenAbsent) {
  const std::vector<HttpHeader> headers = {{"Host", "a"}};
  UpgradeRequest r = request_with(headers);
  EXPECT_EQ(r.header("origin"), "");
  EXPECT_FALSE(r.has_header("origin"));
  EXPECT_FALSE(r.has_header("hos"));
  EXPECT_FALSE(r.has_header("hostx"));
}

TEST(HttpRequest, HeaderReturnsFirstOfRepeatedValues) {
  const std::vector<HttpHeader> headers = {{"X-A", "first"}, {"x-a", "second"}};
  UpgradeRequest r = request_with(headers);
  EXPECT_EQ(r.header("X-A"), "first");
}

TEST(HttpRequest, HasHeaderIsTrueForEmptyValue) {
  const std::vector<HttpHeader> headers = {{"X-Empty", ""}};
  UpgradeRequest r = request_with(headers);
  EXPECT_TRUE(r.has_header("x-empty"));
  EXPECT_EQ(r.header("x-empty"), "");
}

TEST(HttpRequest, CaseFoldingIsAsciiOnly) {
  // Only A-Z fold; bytes that differ by 0x20 elsewhere ('@' and '`', '[' and '{') must not.
  const std::vector<HttpHeader> headers = {{"X@", "1"}, {"X[", "2"}};
  UpgradeRequest r = request_with(headers);
  EXPECT_FALSE(r.has_header("x`"));
  EXPECT_FALSE(r.has_header("x{"));
  EXPECT_TRUE(r.has_header("x@"));
}

TEST(UpgradeRequest, OriginReadsOriginHeader) {
  const std::vector<HttpHeader> headers = {{"ORIGIN", "http://example.com"}};
  EXPECT_EQ(request_with(headers).origin(), "http://example.com");
}

TEST(UpgradeRequest, SubprotocolsInClientOrderAcrossHeaders) {
  const std::vector<HttpHeader> headers = {
      {"Sec-WebSocket-Protocol", "chat, superchat"},
      {"Host", "a"},
      {"sec-websocket-protocol", " mqtt ,,\tv2.stomp "},
  };
  UpgradeRequest r = request_with(headers);
  const std::vector<std::string_view> expected = {"chat", "superchat", "mqtt", "v2.stomp"};
  EXPECT_EQ(r.subprotocols(), expected);
}

TEST(UpgradeRequest, SubprotocolsEmptyWhenNoneOffered) {
  const std::vector<HttpHeader> headers = {{"Host", "a"}};
  EXPECT_TRUE(request_with(headers).subprotocols().empty());
  const std::vector<HttpHeader> blank = {{"Sec-WebSocket-Protocol", " , "}};
  EXPECT_TRUE(request_with(blank).subprotocols().empty());
}

TEST(UpgradeRequest, OffersSubprotocolMatchesWholeTokens) {
  const std::vector<HttpHeader> headers = {{"Sec-WebSocket-Protocol", "chat, superchat"}};
  UpgradeRequest r = request_with(headers);
  EXPECT_TRUE(r.offers_subprotocol("chat"));
  EXPECT_TRUE(r.offers_subprotocol("superchat"));
  EXPECT_FALSE(r.offers_subprotocol("super"));
  EXPECT_FALSE(r.offers_subprotocol("chat, superchat"));
  EXPECT_FALSE(r.offers_subprotocol("mqtt"));
  EXPECT_FALSE(r.offers_subprotocol(""));
}

TEST(Tokens, HasTokenIgnoresCaseAndOptionalWhitespace) {
  const std::vector<HttpHeader> headers = {{"Connection", "keep-alive,\t UPGRADE "}};
  UpgradeRequest r = request_with(headers);
  EXPECT_TRUE(detail::has_token(r, "connection", "upgrade"));
  EXPECT_TRUE(detail::has_token(r, "CONNECTION", "Keep-Alive"));
  EXPECT_FALSE(detail::has_token(r, "connection", "close"));
  EXPECT_FALSE(detail::has_token(r, "upgrade", "upgrade"));
}

TEST(Tokens, TrimOwsRemovesSpacesAndTabsOnly) {
  EXPECT_EQ(detail::trim_ows(" \t a b \t "), "a b");
  EXPECT_EQ(detail::trim_ows("\r\na\r\n"), "\r\na\r\n");
  EXPECT_EQ(detail::trim_ows("   "), "");
  EXPECT_EQ(detail::trim_ows(""), "");
}

TEST(Tokens, IequalsComparesLengthAndAsciiCase) {
  EXPECT_TRUE(detail::iequals("WebSocket", "websocket"));
  EXPECT_FALSE(detail::iequals("websocket", "websockets"));
  EXPECT_FALSE(detail::iequals("\xC3\xA9", "\xC3\x89"));  // no folding beyond ASCII
  EXPECT_TRUE(detail::iequals("", ""));
}

}  // namespace
}  // namespace sluice
