// The opening handshake's rules (RFC 6455 §4.2.1-§4.2.2): which requests are valid upgrades,
// with which status the others are refused, and the Sec-WebSocket-Accept computation.
#include "http/handshake.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <utility>
#include <vector>

#include "http/request_parser.hpp"

namespace sluice::detail {
namespace {

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";

// A request head built field by field; the headers' views point at string literals.
class TestHead {
 public:
  explicit TestHead(std::vector<HttpHeader> headers, std::string_view method = "GET", int minor = 1)
      : headers_(std::move(headers)) {
    head_.request.method = method;
    head_.request.target = "/chat";
    head_.request.path = "/chat";
    head_.request.headers = headers_;
    head_.minor_version = minor;
  }
  TestHead(const TestHead&) = delete;
  TestHead& operator=(const TestHead&) = delete;

  const RequestHead& head() const { return head_; }
  const HttpRequest& request() const { return head_.request; }

 private:
  std::vector<HttpHeader> headers_;
  RequestHead head_;
};

std::vector<HttpHeader> valid_headers() {
  return {
      {"Host", "server.example.com"}, {"Upgrade", "websocket"},        {"Connection", "Upgrade"},
      {"Sec-WebSocket-Key", kKey},    {"Sec-WebSocket-Version", "13"},
  };
}

std::vector<HttpHeader> without(std::string_view name) {
  std::vector<HttpHeader> out;
  for (const HttpHeader& h : valid_headers())
    if (h.name != name) out.push_back(h);
  return out;
}

std::vector<HttpHeader> replacing(std::string_view name, std::string_view value) {
  std::vector<HttpHeader> out = valid_headers();
  for (HttpHeader& h : out)
    if (h.name == name) h.value = value;
  return out;
}

int status_of(const TestHead& t) { return check_upgrade(t.head()).status; }

TEST(Handshake, AcceptKeyMatchesRfc6455Example) {
  // RFC 6455 §1.3.
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(Handshake, AcceptKeyMatchesSecondKnownPair) {
  EXPECT_EQ(accept_key("x3JJHMbDL1EzLkh9GBhXDw=="), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

TEST(Handshake, AcceptsValidUpgrade) {
  TestHead t(valid_headers());
  HandshakeCheck c = check_upgrade(t.head());
  EXPECT_EQ(c.status, 0);
  EXPECT_EQ(c.key, kKey);
}

TEST(Handshake, AcceptsHeaderNamesInAnyCase) {
  TestHead t({
      {"HOST", "a"},
      {"upgrade", "WebSocket"},
      {"connection", "upgrade"},
      {"sec-websocket-key", kKey},
      {"SEC-WEBSOCKET-VERSION", "13"},
  });
  EXPECT_EQ(status_of(t), 0);
}

TEST(Handshake, RejectsMissingHost) {
  TestHead t(without("Host"));
  EXPECT_EQ(status_of(t), 400);
}

TEST(Handshake, RejectsRepeatedHost) {
  std::vector<HttpHeader> h = valid_headers();
  h.push_back({"host", "other.example.com"});
  TestHead t(std::move(h));
  EXPECT_EQ(status_of(t), 400);
}

TEST(Handshake, RejectsMissingConnectionHeader) {
  TestHead t(without("Connection"));
  EXPECT_EQ(status_of(t), 400);
}

TEST(Handshake, RejectsConnectionWithoutUpgradeToken) {
  TestHead keep_alive(replacing("Connection", "keep-alive"));
  EXPECT_EQ(status_of(keep_alive), 400);
  TestHead lookalike(replacing("Connection", "Upgraded, keep-alive"));
  EXPECT_EQ(status_of(lookalike), 400);
}

TEST(Handshake, AcceptsUpgradeTokenInConnectionList) {
  TestHead t(replacing("Connection", "keep-alive, Upgrade"));
  EXPECT_EQ(status_of(t), 0);
  TestHead spaced(replacing("Connection", "keep-alive ,\tupgrade  "));
  EXPECT_EQ(status_of(spaced), 0);
}

TEST(Handshake, AcceptsUpgradeTokenInSecondConnectionHeader) {
  std::vector<HttpHeader> h = replacing("Connection", "keep-alive");
  h.push_back({"Connection", "Upgrade"});
  TestHead t(std::move(h));
  EXPECT_EQ(status_of(t), 0);
}

TEST(Handshake, RejectsUnsupportedVersionWith426) {
  TestHead v8(replacing("Sec-WebSocket-Version", "8"));
  EXPECT_EQ(status_of(v8), 426);
  TestHead v14(replacing("Sec-WebSocket-Version", "14"));
  EXPECT_EQ(status_of(v14), 426);
  TestHead list(replacing("Sec-WebSocket-Version", "13, 8"));
  EXPECT_EQ(status_of(list), 426);
}

TEST(Handshake, RejectsMissingVersion) {
  // §4.2.2: answer with 426 and the versions understood, so the client can retry.
  TestHead t(without("Sec-WebSocket-Version"));
  EXPECT_EQ(status_of(t), 426);
}

TEST(Handshake, RejectsRepeatedVersion) {
  std::vector<HttpHeader> h = valid_headers();
  h.push_back({"Sec-WebSocket-Version", "13"});
  TestHead t(std::move(h));
  EXPECT_NE(status_of(t), 0);
}

TEST(Handshake, RejectsMissingKey) {
  TestHead t(without("Sec-WebSocket-Key"));
  EXPECT_EQ(status_of(t), 400);
}

TEST(Handshake, RejectsRepeatedKey) {
  std::vector<HttpHeader> h = valid_headers();
  h.push_back({"Sec-WebSocket-Key", kKey});
  TestHead t(std::move(h));
  EXPECT_EQ(status_of(t), 400);
}

TEST(Handshake, RejectsKeyThatIsNotBase64OfSixteenBytes) {
  const std::string_view bad_keys[] = {
      "",
      "dGhlIHNhbXBsZSBub25jZQ=",       // 23 characters
      "dGhlIHNhbXBsZSBub25jZQ===",     // 25 characters
      "dGhlIHNhbXBsZSBub25jZQ",        // no padding
      "AAAAAAAAAAAAAAAA",              // 12 bytes
      "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",  // 20 bytes
      "dGhlIHNhbXBsZSBub25jZSE=",      // 24 characters, but 17 bytes
      "dGhlIHNhbXBsZSBub25jZ!==",      // not base64
      "dGhlIHNhbXBsZSBub2 jZQ==",      // a space inside
  };
  for (std::string_view key : bad_keys) {
    SCOPED_TRACE(key);
    TestHead t(replacing("Sec-WebSocket-Key", key));
    EXPECT_EQ(status_of(t), 400);
  }
}

TEST(Handshake, RejectsKeyWithPaddingInsideTheData) {
  // 24 characters ending in "==", but '=' where data belongs: not base64 of 16 bytes (§4.2.1).
  const std::string_view bad_keys[] = {
      "dGhlIHNhbXBsZSBub25j====",
      "=AAAAAAAAAAAAAAAAAAAAA==",
      "AAAAAAAAAAAAAAAAAAAA=A==",
  };
  for (std::string_view key : bad_keys) {
    SCOPED_TRACE(key);
    TestHead t(replacing("Sec-WebSocket-Key", key));
    EXPECT_EQ(status_of(t), 400);
  }
}

TEST(Handshake, RejectsNonGetMethod) {
  TestHead post(valid_headers(), "POST");
  EXPECT_EQ(status_of(post), 400);
  TestHead lower(valid_headers(), "get");
  EXPECT_EQ(status_of(lower), 400);
}

TEST(Handshake, RejectsHttp10) {
  TestHead t(valid_headers(), "GET", 0);
  EXPECT_EQ(status_of(t), 400);
}

TEST(Handshake, AcceptsLaterHttp1MinorVersion) {
  TestHead t(valid_headers(), "GET", 2);
  EXPECT_EQ(status_of(t), 0);
}

TEST(Handshake, ReasonIsSetOnRefusal) {
  TestHead t(without("Host"));
  HandshakeCheck c = check_upgrade(t.head());
  EXPECT_NE(std::string_view(c.reason), "");
  EXPECT_TRUE(c.key.empty());
}

TEST(Handshake, WantsWebsocketMatchesTokenCaseInsensitively) {
  for (std::string_view value :
       {"websocket", "WebSocket", "WEBSOCKET", "h2c, websocket", " websocket ", "foo,WebSocket,bar"}) {
    SCOPED_TRACE(value);
    TestHead t(replacing("Upgrade", value));
    EXPECT_TRUE(wants_websocket(t.request()));
  }
}

TEST(Handshake, WantsWebsocketRejectsOtherTokens) {
  for (std::string_view value : {"", "h2c", "websockets", "web socket", "websocket2", "xwebsocket"}) {
    SCOPED_TRACE(value);
    TestHead t(replacing("Upgrade", value));
    EXPECT_FALSE(wants_websocket(t.request()));
  }
  TestHead none(without("Upgrade"));
  EXPECT_FALSE(wants_websocket(none.request()));
}

TEST(Handshake, ChecksAParsedRequest) {
  constexpr std::string_view kText =
      "GET /chat HTTP/1.1\r\n"
      "Host: server.example.com\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n"
      "\r\n";
  RequestParser parser(4096, 32);
  auto r = parser.feed({reinterpret_cast<const std::uint8_t*>(kText.data()), kText.size()});
  ASSERT_EQ(r.status, RequestParser::Status::complete);
  EXPECT_TRUE(wants_websocket(parser.head().request));
  HandshakeCheck c = check_upgrade(parser.head());
  EXPECT_EQ(c.status, 0);
  EXPECT_EQ(accept_key(c.key), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

}  // namespace
}  // namespace sluice::detail
