// The client's half of the opening handshake (src/http/client_handshake.*): the server's
// response head, parsed at every split point (RFC 9112 §4), the checks that decide whether it
// completes the handshake (RFC 6455 §4.1), and the request the client sends.
#include "http/client_handshake.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/handshake.hpp"
#include "http/request_parser.hpp"

namespace sluice::detail {
namespace {

using Status = RequestParser::Status;

constexpr std::size_t kMaxBytes = 8192;
constexpr std::size_t kMaxHeaders = 32;
constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";  // RFC 6455 §1.3

constexpr std::string_view kResponse =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "\r\n";

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// An owning copy of a parsed response head.
struct Parsed {
  int status = -1;
  int minor_version = -1;
  std::vector<std::pair<std::string, std::string>> headers;
  bool operator==(const Parsed&) const = default;
};

struct Outcome {
  Status status = Status::need_more;
  std::size_t head_bytes = 0;  // on complete: where the head ended in the whole input
  Parsed parsed;
};

RequestParser response_parser(std::size_t max_bytes = kMaxBytes, std::size_t max_headers = kMaxHeaders) {
  return RequestParser(max_bytes, max_headers, HeadKind::response);
}

Outcome feed_split(std::string_view input, const std::vector<std::size_t>& cuts,
                   std::size_t max_bytes = kMaxBytes) {
  RequestParser parser = response_parser(max_bytes);
  std::vector<std::size_t> bounds = cuts;
  bounds.push_back(input.size());
  std::size_t start = 0;
  Outcome out;
  for (std::size_t end : bounds) {
    RequestParser::Result r = parser.feed(bytes(input.substr(start, end - start)));
    out.status = r.status;
    if (r.status == Status::error) return out;
    if (r.status == Status::complete) {
      out.head_bytes = start + r.consumed;
      out.parsed.status = parser.head().status;
      out.parsed.minor_version = parser.head().minor_version;
      for (const HttpHeader& h : parser.head().request.headers)
        out.parsed.headers.emplace_back(h.name, h.value);
      return out;
    }
    start = end;
  }
  return out;
}

// Whole, at every two-chunk split and one byte at a time: every way must agree.
Outcome feed_every_way(std::string_view input, std::size_t max_bytes = kMaxBytes) {
  SCOPED_TRACE(::testing::Message() << "input: " << ::testing::PrintToString(std::string(input)));
  Outcome whole = feed_split(input, {}, max_bytes);
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    SCOPED_TRACE(::testing::Message() << "split at " << cut);
    Outcome split = feed_split(input, {cut}, max_bytes);
    EXPECT_EQ(split.status, whole.status);
    EXPECT_EQ(split.head_bytes, whole.head_bytes);
    EXPECT_EQ(split.parsed, whole.parsed);
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < input.size(); ++i) every.push_back(i);
  Outcome bytewise = feed_split(input, every, max_bytes);
  EXPECT_EQ(bytewise.status, whole.status) << "one byte at a time";
  EXPECT_EQ(bytewise.head_bytes, whole.head_bytes) << "one byte at a time";
  EXPECT_EQ(bytewise.parsed, whole.parsed) << "one byte at a time";
  return whole;
}

std::string with_status_line(std::string_view line) {
  return std::string(line) + "\r\nUpgrade: websocket\r\n\r\n";
}

void expect_malformed(std::string_view input) { EXPECT_EQ(feed_every_way(input).status, Status::error); }

TEST(ResponseParser, ParsesA101AtEverySplitPoint) {
  Outcome o = feed_every_way(kResponse);
  ASSERT_EQ(o.status, Status::complete);
  EXPECT_EQ(o.head_bytes, kResponse.size());
  EXPECT_EQ(o.parsed.status, 101);
  EXPECT_EQ(o.parsed.minor_version, 1);
  ASSERT_EQ(o.parsed.headers.size(), 3u);
  EXPECT_EQ(o.parsed.headers[2], std::make_pair(std::string("Sec-WebSocket-Accept"), std::string(kAccept)));
}

TEST(ResponseParser, FramesBehindTheHeadAreNotConsumed) {
  // A server may send its first frame in the same segment as the 101.
  const std::string input = std::string(kResponse) + "\x81\x05hello" + "\x89\x00";
  Outcome o = feed_every_way(input);
  ASSERT_EQ(o.status, Status::complete);
  EXPECT_EQ(o.head_bytes, kResponse.size());
}

TEST(ResponseParser, TheReasonPhraseIsOptionalAndMayHoldAnyText) {
  for (std::string_view line :
       {"HTTP/1.1 101 ", "HTTP/1.1 101", "HTTP/1.1 101 Web Socket\tProtocol Handshake",
        "HTTP/1.1 101 \xc3\x9c"
        "bergang"}) {
    SCOPED_TRACE(::testing::PrintToString(std::string(line)));
    Outcome o = feed_every_way(with_status_line(line));
    ASSERT_EQ(o.status, Status::complete);
    EXPECT_EQ(o.parsed.status, 101);
  }
}

TEST(ResponseParser, ReportsOtherStatusesAndHttp10) {
  Outcome o = feed_every_way("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(o.status, Status::complete);
  EXPECT_EQ(o.parsed.status, 404);
  EXPECT_EQ(o.parsed.minor_version, 0);
  EXPECT_EQ(feed_every_way(with_status_line("HTTP/1.1 599 X")).parsed.status, 599);
}

TEST(ResponseParser, RejectsAMalformedStatusLine) {
  expect_malformed(with_status_line("HTTP/1.1 10 Short"));
  expect_malformed(with_status_line("HTTP/1.1 1011 Long"));
  expect_malformed(with_status_line("HTTP/1.1 1O1 Letter"));
  expect_malformed(with_status_line("HTTP/1.1  101 Two spaces"));
  expect_malformed(with_status_line("HTTP/1.1\t101 Tab"));
  expect_malformed(with_status_line("HTTP/1.1 101\tTab"));
  expect_malformed(with_status_line("HTTP/1.1101"));
  expect_malformed(with_status_line("HTTP/1.1"));
  expect_malformed(with_status_line("http/1.1 101 Lower case"));
  expect_malformed(with_status_line("HTTP/1.x 101 X"));
  expect_malformed(with_status_line("HTTP/11 101 X"));
  expect_malformed(with_status_line("ICY 200 OK"));
  expect_malformed(with_status_line(std::string("HTTP/1.1 101 A\x01") + "B"));
  expect_malformed(with_status_line("HTTP/1.1 101 A\x7f"));
}

TEST(ResponseParser, RejectsVersionsOtherThanHttp1011) {
  for (std::string_view line : {"HTTP/1.9 101 X", "HTTP/2.0 101 X", "HTTP/0.9 101 X"}) {
    SCOPED_TRACE(line);
    expect_malformed(with_status_line(line));
  }
}

TEST(ResponseParser, RejectsMalformedHeaderLines) {
  expect_malformed("HTTP/1.1 101 X\r\nUpgrade websocket\r\n\r\n");
  expect_malformed("HTTP/1.1 101 X\r\nUpgrade : websocket\r\n\r\n");
  expect_malformed("HTTP/1.1 101 X\r\nUpgrade: websocket\r\n folded\r\n\r\n");
  expect_malformed("HTTP/1.1 101 X\r\nX-A: a\x01\r\n\r\n");
}

TEST(ResponseParser, RefusesBareLineEndsAndNonHttpAsSoonAsTheyArrive) {
  // Each input lacks a complete head: the error must come from the bytes seen so far.
  for (std::string_view input : {std::string_view("HTTP/1.1 101 X\nUpgrade: websocket"),
                                 std::string_view("HTTP/1.1 101 X\r\nUpgrade: websocket\rx"),
                                 std::string_view("\x15\x03\x03\x00\x02\x02\x46", 7),  // a TLS alert
                                 std::string_view("HTTP/2.0 101 X\r\n"), std::string_view(" HTTP/1.1")}) {
    SCOPED_TRACE(::testing::PrintToString(std::string(input)));
    EXPECT_EQ(feed_every_way(input).status, Status::error);
  }
}

TEST(ResponseParser, AHeadOverMaxBytesIsRefused) {
  EXPECT_EQ(feed_every_way(kResponse, kResponse.size()).status, Status::complete);
  EXPECT_EQ(feed_every_way(kResponse, kResponse.size() - 1).status, Status::error);
  const std::string endless = "HTTP/1.1 101 X\r\nX-Pad: " + std::string(300, 'a');
  EXPECT_EQ(feed_every_way(endless, 100).status, Status::error);
}

TEST(ResponseParser, TooManyHeadersAreRefused) {
  std::string input = "HTTP/1.1 101 X\r\n";
  for (int i = 0; i < 3; ++i) input += "X-" + std::to_string(i) + ": v\r\n";
  input += "\r\n";
  RequestParser three(kMaxBytes, 3, HeadKind::response);
  EXPECT_EQ(three.feed(bytes(input)).status, Status::complete);
  RequestParser two(kMaxBytes, 2, HeadKind::response);
  EXPECT_EQ(two.feed(bytes(input)).status, Status::error);
}

// check_server_response on a response head parsed from `text`.
struct Checked {
  bool parsed = false;
  std::string why;  // empty: the handshake is complete
  std::string subprotocol;
};

Checked check(std::string_view text, const std::vector<std::string>& offered = {},
              std::string_view key = kKey) {
  RequestParser parser = response_parser();
  Checked out;
  if (parser.feed(bytes(text)).status != Status::complete) return out;
  out.parsed = true;
  std::optional<DeflateParams> deflate;
  out.why =
      check_server_response(parser.head(), key, offered, out.subprotocol, sluice::Compression::off, deflate);
  return out;
}

std::string response_with(std::string_view extra_headers,
                          std::string_view status_line = "HTTP/1.1 101 Switching Protocols",
                          std::string_view accept = kAccept) {
  return std::string(status_line) +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + std::string(accept) +
         "\r\n" + std::string(extra_headers) + "\r\n";
}

TEST(ServerResponse, TheRfcExampleCompletesTheHandshake) {
  Checked c = check(kResponse);
  ASSERT_TRUE(c.parsed);
  EXPECT_EQ(c.why, "");
  EXPECT_EQ(c.subprotocol, "");
}

TEST(ServerResponse, HeaderNamesAndTokensMatchInAnyCase) {
  Checked c = check(
      "HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nCONNECTION: keep-alive, upgrade\r\n"
      "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  ASSERT_TRUE(c.parsed);
  EXPECT_EQ(c.why, "");
}

TEST(ServerResponse, AnythingButA101IsRefusedNamingTheStatus) {
  Checked c = check(response_with("", "HTTP/1.1 200 OK"));
  ASSERT_TRUE(c.parsed);
  EXPECT_NE(c.why.find("200"), std::string::npos) << c.why;
  c = check("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_NE(c.why.find("426"), std::string::npos) << c.why;
}

TEST(ServerResponse, MissingUpgradeOrConnectionIsRefused) {
  std::string no_upgrade = std::string(kResponse);
  no_upgrade.erase(no_upgrade.find("Upgrade: websocket\r\n"), 20);
  EXPECT_NE(check(no_upgrade).why, "");
  std::string wrong_upgrade = std::string(kResponse);
  wrong_upgrade.replace(wrong_upgrade.find("websocket"), 9, "h2c");
  EXPECT_NE(check(wrong_upgrade).why, "");
  std::string no_connection = std::string(kResponse);
  no_connection.erase(no_connection.find("Connection: Upgrade\r\n"), 21);
  EXPECT_NE(check(no_connection).why, "");
  std::string connection_close = std::string(kResponse);
  connection_close.replace(connection_close.find("Connection: Upgrade"), 19, "Connection: close");
  EXPECT_NE(check(connection_close).why, "");
}

TEST(ServerResponse, AWrongOrMissingAcceptIsRefused) {
  EXPECT_NE(check(response_with("", "HTTP/1.1 101 X", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo")).why, "");
  EXPECT_NE(check(response_with("", "HTTP/1.1 101 X", "")).why, "");
  // Right for another key only.
  EXPECT_NE(check(kResponse, {}, "x3JJHMbDL1EzLkh9GBhXDw==").why, "");
  EXPECT_EQ(check(response_with("", "HTTP/1.1 101 X", "HSmrc0sMlYUkAGmm5OPpG2HaGWk="), {},
                  "x3JJHMbDL1EzLkh9GBhXDw==")
                .why,
            "");
}

TEST(ServerResponse, AnExtensionThatWasNeverOfferedIsRefused) {
  EXPECT_NE(check(response_with("Sec-WebSocket-Extensions: permessage-deflate\r\n")).why, "");
}

TEST(ServerResponse, TheSubprotocolMustBeOneThatWasOffered) {
  Checked chosen = check(response_with("Sec-WebSocket-Protocol: chat.v2\r\n"), {"chat.v1", "chat.v2"});
  EXPECT_EQ(chosen.why, "");
  EXPECT_EQ(chosen.subprotocol, "chat.v2");
  EXPECT_NE(check(response_with("Sec-WebSocket-Protocol: chat.v3\r\n"), {"chat.v1", "chat.v2"}).why, "");
  EXPECT_NE(check(response_with("Sec-WebSocket-Protocol: chat\r\n")).why, "") << "none was offered";
  // Offering is no obligation for the server.
  Checked none = check(kResponse, {"chat.v1"});
  EXPECT_EQ(none.why, "");
  EXPECT_EQ(none.subprotocol, "");
}

TEST(ClientRequest, IsAnUpgradeTheServerSideAccepts) {
  ClientRequest req;
  req.host_header = "[::1]:9001";
  req.target = "/chat?room=7";
  req.origin = "https://example.test";
  req.subprotocols = {"chat.v2", "chat.v1"};
  req.headers = {{"Authorization", "Bearer abc"}};
  const std::string key = make_client_key();
  const std::string text = format_client_request(req, key);

  RequestParser parser(kMaxBytes, kMaxHeaders);
  RequestParser::Result r = parser.feed(bytes(text));
  ASSERT_EQ(r.status, Status::complete) << r.reason << "\n" << text;
  EXPECT_EQ(r.consumed, text.size());
  const RequestHead& head = parser.head();
  HandshakeCheck c = check_upgrade(head);
  EXPECT_EQ(c.status, 0) << c.reason;
  EXPECT_EQ(c.key, key);
  EXPECT_EQ(head.request.target, "/chat?room=7");
  EXPECT_EQ(head.request.header("host"), "[::1]:9001");
  EXPECT_EQ(head.request.header("origin"), "https://example.test");
  EXPECT_EQ(head.request.header("sec-websocket-protocol"), "chat.v2, chat.v1");
  EXPECT_EQ(head.request.header("authorization"), "Bearer abc");
}

TEST(ClientRequest, OmitsOriginAndSubprotocolsWhenThereAreNone) {
  ClientRequest req;
  req.host_header = "example.com";
  req.target = "/";
  const std::string text = format_client_request(req, kKey);
  EXPECT_EQ(text,
            "GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
}

TEST(ClientRequest, EachKeyIsFreshBase64Of16Bytes) {
  const std::string a = make_client_key();
  const std::string b = make_client_key();
  EXPECT_NE(a, b);
  for (const std::string& key : {a, b}) {
    ASSERT_EQ(key.size(), 24u) << key;
    EXPECT_EQ(key.substr(22), "==") << key;
  }
  // What the server checks: base64 of exactly 16 bytes (RFC 6455 §4.1 step 7).
  ClientRequest req;
  req.host_header = "a";
  req.target = "/";
  const std::string text = format_client_request(req, a);
  RequestParser parser(kMaxBytes, kMaxHeaders);
  ASSERT_EQ(parser.feed(bytes(text)).status, Status::complete);
  EXPECT_EQ(check_upgrade(parser.head()).status, 0);
}

}  // namespace
}  // namespace sluice::detail
