// RequestParser: the strict, incremental HTTP/1.1 request-head parser, fed whole and at
// every split point (RFC 9112 §2-§5 as far as the opening handshake needs it).
#include "http/request_parser.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::detail {
namespace {

using Status = RequestParser::Status;

constexpr std::size_t kMaxBytes = 8192;
constexpr std::size_t kMaxHeaders = 32;

constexpr std::string_view kRequest =
    "GET /chat?room=1&x=y HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://example.com\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "X-Empty:\r\n"
    "X-Padded: \t value with  spaces \t\r\n"
    "\r\n";

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// An owning copy of a parsed head: the parser's views die with its input.
struct Parsed {
  std::string method, target, path, query;
  std::vector<std::pair<std::string, std::string>> headers;
  int minor_version = -1;
  bool operator==(const Parsed&) const = default;
};

Parsed snapshot(const RequestHead& head) {
  Parsed p;
  p.method = head.request.method;
  p.target = head.request.target;
  p.path = head.request.path;
  p.query = head.request.query;
  for (const HttpHeader& h : head.request.headers) p.headers.emplace_back(h.name, h.value);
  p.minor_version = head.minor_version;
  return p;
}

struct Outcome {
  Status status = Status::need_more;
  int http_status = 0;
  std::size_t head_bytes = 0;  // on complete: offset in the whole input where the head ended
  Parsed parsed;
};

// Feeds `input` cut at `cuts` (ascending offsets), stopping at the first complete or error.
Outcome feed_split(std::string_view input, const std::vector<std::size_t>& cuts,
                   std::size_t max_bytes = kMaxBytes, std::size_t max_headers = kMaxHeaders) {
  RequestParser parser(max_bytes, max_headers);
  std::vector<std::size_t> bounds = cuts;
  bounds.push_back(input.size());
  std::size_t start = 0;
  Outcome out;
  for (std::size_t end : bounds) {
    RequestParser::Result r = parser.feed(bytes(input.substr(start, end - start)));
    out.status = r.status;
    if (r.status == Status::error) {
      out.http_status = r.http_status;
      return out;
    }
    if (r.status == Status::complete) {
      out.head_bytes = start + r.consumed;
      out.parsed = snapshot(parser.head());
      return out;
    }
    start = end;
  }
  return out;
}

Outcome feed_whole(std::string_view input, std::size_t max_bytes = kMaxBytes,
                   std::size_t max_headers = kMaxHeaders) {
  return feed_split(input, {}, max_bytes, max_headers);
}

Outcome feed_bytewise(std::string_view input, std::size_t max_bytes = kMaxBytes,
                      std::size_t max_headers = kMaxHeaders) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  return feed_split(input, cuts, max_bytes, max_headers);
}

// Parses `input` whole, at every two-chunk split point and one byte at a time; every way must
// agree. Returns the whole-input outcome.
Outcome feed_every_way(std::string_view input, std::size_t max_bytes = kMaxBytes,
                       std::size_t max_headers = kMaxHeaders) {
  Outcome whole = feed_whole(input, max_bytes, max_headers);
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    SCOPED_TRACE(::testing::Message() << "split at " << cut);
    Outcome split = feed_split(input, {cut}, max_bytes, max_headers);
    EXPECT_EQ(split.status, whole.status);
    EXPECT_EQ(split.http_status, whole.http_status);
    EXPECT_EQ(split.head_bytes, whole.head_bytes);
    EXPECT_EQ(split.parsed, whole.parsed);
  }
  SCOPED_TRACE("one byte at a time");
  Outcome bytewise = feed_bytewise(input, max_bytes, max_headers);
  EXPECT_EQ(bytewise.status, whole.status);
  EXPECT_EQ(bytewise.http_status, whole.http_status);
  EXPECT_EQ(bytewise.head_bytes, whole.head_bytes);
  EXPECT_EQ(bytewise.parsed, whole.parsed);
  return whole;
}

std::string with_request_line(std::string_view line) { return std::string(line) + "\r\nHost: a\r\n\r\n"; }

std::string with_header_line(std::string_view line) {
  return "GET / HTTP/1.1\r\nHost: a\r\n" + std::string(line) + "\r\nX-After: 1\r\n\r\n";
}

TEST(RequestParser, ParsesValidRequestInOneChunk) {
  RequestParser parser(kMaxBytes, kMaxHeaders);
  RequestParser::Result r = parser.feed(bytes(kRequest));
  ASSERT_EQ(r.status, Status::complete);
  EXPECT_EQ(r.consumed, kRequest.size());
  EXPECT_FALSE(parser.buffering());

  const HttpRequest& req = parser.head().request;
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/chat?room=1&x=y");
  EXPECT_EQ(req.path, "/chat");
  EXPECT_EQ(req.query, "room=1&x=y");
  EXPECT_EQ(parser.head().minor_version, 1);
  ASSERT_EQ(req.headers.size(), 9u);
  EXPECT_EQ(req.headers[0].name, "Host");
  EXPECT_EQ(req.headers[0].value, "server.example.com");
  EXPECT_EQ(req.header("sec-websocket-key"), "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(req.header("SEC-WEBSOCKET-PROTOCOL"), "chat, superchat");
  EXPECT_TRUE(req.has_header("x-empty"));
  EXPECT_EQ(req.header("x-empty"), "");
  EXPECT_EQ(req.header("x-padded"), "value with  spaces");
}

TEST(RequestParser, ViewsPointIntoTheInputWhenHeadArrivesInOneChunk) {
  RequestParser parser(kMaxBytes, kMaxHeaders);
  ASSERT_EQ(parser.feed(bytes(kRequest)).status, Status::complete);
  EXPECT_EQ(parser.head().request.method.data(), kRequest.data());
}

TEST(RequestParser, PathWithoutQueryHasEmptyQuery) {
  Outcome o = feed_every_way("GET /plain HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(o.status, Status::complete);
  EXPECT_EQ(o.parsed.path, "/plain");
  EXPECT_EQ(o.parsed.query, "");
}

TEST(RequestParser, SameResultAtEverySplitPoint) {
  Outcome o = feed_every_way(kRequest);
  ASSERT_EQ(o.status, Status::complete);
  EXPECT_EQ(o.head_bytes, kRequest.size());
  EXPECT_EQ(o.parsed.target, "/chat?room=1&x=y");
  EXPECT_EQ(o.parsed.headers.size(), 9u);
}

TEST(RequestParser, ConsumedStopsAtEndOfHeadWhenFrameBytesFollow) {
  // A client may send its first frame in the same segment as the handshake.
  const std::string input = std::string(kRequest) + "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
  RequestParser parser(kMaxBytes, kMaxHeaders);
  RequestParser::Result r = parser.feed(bytes(input));
  ASSERT_EQ(r.status, Status::complete);
  EXPECT_EQ(r.consumed, kRequest.size());

  Outcome o = feed_every_way(input);
  ASSERT_EQ(o.status, Status::complete);
  EXPECT_EQ(o.head_bytes, kRequest.size());
}

TEST(RequestParser, FrameBytesAfterTheHeadDoNotCountTowardsMaxBytes) {
  // The head fits; the chunk that completes it also carries more frame bytes than max_bytes.
  const std::string input = std::string(kRequest) + std::string(3 * kRequest.size(), '\x82');
  Outcome o = feed_every_way(input, kRequest.size() + 2);
  ASSERT_EQ(o.status, Status::complete);
  EXPECT_EQ(o.head_bytes, kRequest.size());
}

TEST(RequestParser, ConsumedCountsOnlyTheLastChunkWhenBuffered) {
  const std::string input = std::string(kRequest) + "tail";
  RequestParser parser(kMaxBytes, kMaxHeaders);
  const std::size_t first = 20;
  ASSERT_EQ(parser.feed(bytes(std::string_view(input).substr(0, first))).status, Status::need_more);
  EXPECT_TRUE(parser.buffering());
  RequestParser::Result r = parser.feed(bytes(std::string_view(input).substr(first)));
  ASSERT_EQ(r.status, Status::complete);
  EXPECT_EQ(r.consumed, kRequest.size() - first);
  EXPECT_EQ(parser.head().request.header("host"), "server.example.com");
}

TEST(RequestParser, IncompleteHeadNeedsMore) {
  RequestParser parser(kMaxBytes, kMaxHeaders);
  EXPECT_EQ(parser.feed(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r")).status, Status::need_more);
  EXPECT_EQ(parser.feed(bytes("")).status, Status::need_more);
  EXPECT_EQ(parser.feed(bytes("\n")).status, Status::complete);
}

TEST(RequestParser, EmptyChunkNeedsMore) {
  RequestParser parser(kMaxBytes, kMaxHeaders);
  EXPECT_EQ(parser.feed(bytes("")).status, Status::need_more);
}

void expect_bad_request(std::string_view input) {
  SCOPED_TRACE(::testing::Message() << "input: " << ::testing::PrintToString(std::string(input)));
  Outcome o = feed_every_way(input);
  EXPECT_EQ(o.status, Status::error);
  EXPECT_EQ(o.http_status, 400);
}

// `input` holds no complete head, yet it must be refused with `status` as soon as the byte at
// `at` arrives, however the bytes before it were split: waiting for a terminator that may never
// come would hold the socket until the handshake timeout.
void expect_refused_at_byte(std::string_view input, std::size_t at, int status) {
  SCOPED_TRACE(::testing::Message() << "input: " << ::testing::PrintToString(std::string(input)));
  ASSERT_LT(at, input.size());
  for (std::size_t cut = 0; cut <= at; ++cut) {
    SCOPED_TRACE(::testing::Message() << "split at " << cut);
    RequestParser parser(kMaxBytes, kMaxHeaders);
    if (cut > 0) {
      ASSERT_EQ(parser.feed(bytes(input.substr(0, cut))).status, Status::need_more);
    }
    RequestParser::Result r = parser.feed(bytes(input.substr(cut, at + 1 - cut)));
    EXPECT_EQ(r.status, Status::error);
    EXPECT_EQ(r.http_status, status);
  }
  RequestParser parser(kMaxBytes, kMaxHeaders);
  for (std::size_t i = 0; i < at; ++i) {
    ASSERT_EQ(parser.feed(bytes(input.substr(i, 1))).status, Status::need_more) << "byte " << i;
  }
  RequestParser::Result r = parser.feed(bytes(input.substr(at, 1)));
  EXPECT_EQ(r.status, Status::error) << "one byte at a time";
  EXPECT_EQ(r.http_status, status) << "one byte at a time";
  // What follows the offending byte changes nothing.
  Outcome whole = feed_every_way(input);
  EXPECT_EQ(whole.status, Status::error);
  EXPECT_EQ(whole.http_status, status);
}

TEST(RequestParser, BareLfIsRefusedAsSoonAsItArrives) {
  const std::string_view in_request_line = "GET / HTTP/1.1\nHost: a\n";
  expect_refused_at_byte(in_request_line, in_request_line.find('\n'), 400);
  const std::string_view in_header = "GET / HTTP/1.1\r\nHost: a\nX-B: b";
  expect_refused_at_byte(in_header, in_header.find('\n', 16), 400);
  const std::string_view ending_the_head = "GET / HTTP/1.1\r\nHost: a\r\n\n";
  expect_refused_at_byte(ending_the_head, ending_the_head.size() - 1, 400);
  const std::string_view lf_only = "GET / HTTP/1.1\n\n";
  expect_refused_at_byte(lf_only, lf_only.find('\n'), 400);
}

TEST(RequestParser, BareCrIsRefusedAsSoonAsTheByteAfterItArrives) {
  const std::string_view in_value = "GET / HTTP/1.1\r\nHost: a\rb";
  expect_refused_at_byte(in_value, in_value.size() - 1, 400);
  const std::string_view cr_cr = "GET / HTTP/1.1\r\nHost: a\r\n\r\r";
  expect_refused_at_byte(cr_cr, cr_cr.size() - 1, 400);
}

TEST(RequestParser, TlsClientHelloIsRefusedAtTheFirstByte) {
  // A TLS 1.2/1.3 ClientHello record header, then the start of the handshake message.
  const std::string hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x8a\x1f\r\n\r\n", 17);
  expect_refused_at_byte(hello, 0, 400);
  RequestParser parser(kMaxBytes, kMaxHeaders);
  RequestParser::Result r = parser.feed(bytes(hello));
  EXPECT_NE(std::string_view(r.reason).find("TLS"), std::string_view::npos) << r.reason;
}

TEST(RequestParser, FirstByteThatCannotStartAMethodIsRefusedAtOnce) {
  for (char first :
       {'\0', ' ', '\t', '\r', '\n', '(', ')', '/', ':', '{', '"', '\x7f', '\x80', '\xff', '\x15'}) {
    SCOPED_TRACE(::testing::Message()
                 << "first byte " << static_cast<int>(static_cast<unsigned char>(first)));
    expect_refused_at_byte(std::string(1, first) + "ET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400);
  }
}

TEST(RequestParser, UnsupportedVersionIsRefusedWhenTheRequestLineEnds) {
  const std::string_view v19 = "GET / HTTP/1.9\r\nHost: a\r\n";
  expect_refused_at_byte(v19, v19.find('\n'), 505);
  const std::string_view v2 = "GET /chat HTTP/2.0\r\n";
  expect_refused_at_byte(v2, v2.size() - 1, 505);
}

TEST(RequestParser, MalformedRequestLineIsRefusedWhenItEnds) {
  const std::string_view no_version = "GET /\r\nHost: a\r\n";
  expect_refused_at_byte(no_version, no_version.find('\n'), 400);
  const std::string_view lower = "GET / http/1.1\r\n";
  expect_refused_at_byte(lower, lower.size() - 1, 400);
}

TEST(RequestParser, BytesAfterTheHeadAreNotCheckedAsHttp) {
  const std::string input = std::string(kRequest) + "\n\r\x16\x03\x01 \n";
  Outcome o = feed_every_way(input);
  ASSERT_EQ(o.status, Status::complete);
  EXPECT_EQ(o.head_bytes, kRequest.size());
}

TEST(RequestParser, RejectsBareLfInRequestLine) { expect_bad_request("GET / HTTP/1.1\nHost: a\r\n\r\n"); }

TEST(RequestParser, RejectsBareLfInHeaderLine) {
  expect_bad_request("GET / HTTP/1.1\r\nHost: a\nX-B: b\r\n\r\n");
}

TEST(RequestParser, RejectsBareCrInHeaderValue) {
  expect_bad_request("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n");
}

TEST(RequestParser, RejectsObsoleteLineFolding) {
  expect_bad_request("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n");
  expect_bad_request("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n\ttwo\r\n\r\n");
}

TEST(RequestParser, RejectsWhitespaceBeforeColon) {
  expect_bad_request(with_header_line("Host : a"));
  expect_bad_request(with_header_line("X-A\t: a"));
}

TEST(RequestParser, RejectsHeaderLineWithoutName) {
  expect_bad_request(with_header_line(": value"));
  expect_bad_request(with_header_line("no colon here"));
}

TEST(RequestParser, RejectsInvalidHeaderNameCharacters) {
  expect_bad_request(with_header_line("X(A): 1"));
  expect_bad_request(with_header_line("X\"A: 1"));
}

TEST(RequestParser, RejectsControlCharacterInHeaderValue) {
  expect_bad_request(with_header_line(std::string("X-A: a\x01") + "b"));
  expect_bad_request(with_header_line(std::string("X-A: a\x7f") + "b"));
  expect_bad_request(with_header_line(std::string("X-A: a\0b", 8)));
}

TEST(RequestParser, RejectsInvalidMethodCharacters) {
  expect_bad_request(with_request_line("G(T / HTTP/1.1"));
  expect_bad_request(with_request_line("GE:T / HTTP/1.1"));
  expect_bad_request(with_request_line(std::string("G\0T / HTTP/1.1", 14)));
  expect_bad_request(with_request_line("G\x80T / HTTP/1.1"));
}

TEST(RequestParser, AcceptsAnyTokenAsMethod) {
  Outcome o = feed_every_way(with_request_line("M-SEARCH / HTTP/1.1"));
  ASSERT_EQ(o.status, Status::complete);
  EXPECT_EQ(o.parsed.method, "M-SEARCH");
}

TEST(RequestParser, RejectsTargetNotStartingWithSlash) {
  expect_bad_request(with_request_line("GET chat HTTP/1.1"));
  expect_bad_request(with_request_line("GET http://example.com/chat HTTP/1.1"));
  expect_bad_request(with_request_line("GET * HTTP/1.1"));
  expect_bad_request(with_request_line("GET ?q HTTP/1.1"));
}

TEST(RequestParser, RejectsControlCharacterInTarget) {
  expect_bad_request(with_request_line("GET /a\tb HTTP/1.1"));
  expect_bad_request(with_request_line("GET /a\x7f HTTP/1.1"));
}

TEST(RequestParser, RejectsMalformedRequestLine) {
  expect_bad_request(with_request_line("GET /"));
  expect_bad_request(with_request_line("GET  / HTTP/1.1"));
  expect_bad_request(with_request_line(" GET / HTTP/1.1"));
  expect_bad_request(with_request_line("GET / HTTP/1.1 "));
  expect_bad_request(with_request_line(""));
}

TEST(RequestParser, RejectsMalformedVersionWith400) {
  expect_bad_request(with_request_line("GET / HTTP/1.10"));
  expect_bad_request(with_request_line("GET / HTTP/1."));
  expect_bad_request(with_request_line("GET / HTTP/1.x"));
  expect_bad_request(with_request_line("GET / http/1.1"));
  expect_bad_request(with_request_line("GET / Http/1.1"));
  expect_bad_request(with_request_line("GET / garbage!"));
  expect_bad_request(with_request_line("GET / HTTP/11"));
  expect_bad_request(with_request_line("GET / HTTP/1,1"));
  expect_bad_request(with_request_line("GET / HTTP/2"));
  expect_bad_request(with_request_line("GET / HTTPS/1.1"));
}

// RFC 9112 §2.3: a well-formed version the server does not speak gets 505, not 400.
TEST(RequestParser, RefusesWellFormedUnsupportedVersionWith505) {
  for (const char* version : {"HTTP/1.9", "HTTP/1.2", "HTTP/2.0", "HTTP/3.0", "HTTP/0.9", "HTTP/9.9"}) {
    SCOPED_TRACE(version);
    Outcome o = feed_every_way(with_request_line(std::string("GET / ") + version));
    EXPECT_EQ(o.status, Status::error);
    EXPECT_EQ(o.http_status, 505);
  }
}

TEST(RequestParser, ReportsMinorVersion) {
  Outcome o = feed_every_way(with_request_line("GET / HTTP/1.0"));
  ASSERT_EQ(o.status, Status::complete);
  EXPECT_EQ(o.parsed.minor_version, 0);
}

TEST(RequestParser, AcceptsHeadOfExactlyMaxBytes) {
  const std::string input = std::string(kRequest);
  Outcome o = feed_every_way(input, input.size());
  EXPECT_EQ(o.status, Status::complete);
  EXPECT_EQ(o.head_bytes, input.size());
}

TEST(RequestParser, RejectsHeadOverMaxBytesInOneChunk) {
  const std::string input = std::string(kRequest);
  RequestParser parser(input.size() - 1, kMaxHeaders);
  RequestParser::Result r = parser.feed(bytes(input));
  EXPECT_EQ(r.status, Status::error);
  EXPECT_EQ(r.http_status, 431);
}

TEST(RequestParser, RejectsHeadOverMaxBytesAcrossChunks) {
  const std::string input = std::string(kRequest);
  Outcome o = feed_every_way(input, input.size() - 1);
  EXPECT_EQ(o.status, Status::error);
  EXPECT_EQ(o.http_status, 431);
}

TEST(RequestParser, RejectsUnterminatedHeadOnceMaxBytesArrive) {
  // No terminator ever comes: the parser must give up at max_bytes, not buffer forever.
  const std::string input = "GET / HTTP/1.1\r\nX-Long: " + std::string(200, 'a');
  Outcome whole = feed_whole(input, 100);
  EXPECT_EQ(whole.status, Status::error);
  EXPECT_EQ(whole.http_status, 431);
  Outcome bytewise = feed_bytewise(input, 100);
  EXPECT_EQ(bytewise.status, Status::error);
  EXPECT_EQ(bytewise.http_status, 431);
  for (std::size_t cut = 1; cut < input.size(); ++cut) {
    SCOPED_TRACE(::testing::Message() << "split at " << cut);
    Outcome split = feed_split(input, {cut}, 100);
    EXPECT_EQ(split.status, Status::error);
    EXPECT_EQ(split.http_status, 431);
  }
}

TEST(RequestParser, AcceptsExactlyMaxHeaders) {
  std::string input = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 4; ++i) input += "X-" + std::to_string(i) + ": v\r\n";
  input += "\r\n";
  Outcome o = feed_every_way(input, kMaxBytes, 4);
  ASSERT_EQ(o.status, Status::complete);
  EXPECT_EQ(o.parsed.headers.size(), 4u);
}

TEST(RequestParser, RejectsTooManyHeaders) {
  std::string input = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 5; ++i) input += "X-" + std::to_string(i) + ": v\r\n";
  input += "\r\n";
  Outcome o = feed_every_way(input, kMaxBytes, 4);
  EXPECT_EQ(o.status, Status::error);
  EXPECT_EQ(o.http_status, 431);
}

TEST(RequestParser, TerminatorStraddlingChunksIsFound) {
  const std::string_view input = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  for (std::size_t back = 1; back <= 4; ++back) {
    SCOPED_TRACE(::testing::Message() << "last " << back << " bytes in the second chunk");
    Outcome o = feed_split(input, {input.size() - back});
    ASSERT_EQ(o.status, Status::complete);
    EXPECT_EQ(o.head_bytes, input.size());
  }
}

}  // namespace
}  // namespace sluice::detail
