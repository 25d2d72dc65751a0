// The opening handshake over a real socket: bad requests get the exact HTTP status and the
// connection ends, while a WebSocket opened before keeps working; good ones upgrade correctly.
#include <gtest/gtest.h>

#include <mutex>
#include <string>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

// Sends `request` on a new connection and expects an HTTP response with `status`, then EOF.
void expect_refused(std::uint16_t port, std::string_view request, int status, HttpReply* out = nullptr) {
  RawClient bad(port);
  ASSERT_TRUE(bad.connected());
  ASSERT_TRUE(bad.send_raw(request));
  auto reply = bad.read_http();
  ASSERT_TRUE(reply.has_value()) << "no HTTP response to: " << request.substr(0, 80);
  EXPECT_EQ(reply->status, status) << reply->status_line;
  EXPECT_EQ(reply->header("connection").value_or(""), "close");
  EXPECT_EQ(bad.wait_eof(), ReadStatus::ok) << "the server must end a refused connection";
  if (out) *out = std::move(*reply);
}

class Handshake : public ::testing::Test {
 protected:
  void start(sluice::ServerOptions o = test_options(), sluice::Behaviors b = {},
             const std::function<void(sluice::Server&)>& configure = {}) {
    if (!b.on_message) b = echo_behaviors(tally);
    server = std::make_unique<ServerThread>(std::move(o), std::move(b), configure);
    good = std::make_unique<RawClient>(server->port());
    ASSERT_TRUE(good->handshake());
  }
  // The connection opened before the bad one still echoes, and nothing else was opened.
  void expect_good_still_served(int opens = 1) {
    expect_echo(*good, "still here");
    EXPECT_EQ(tally.opens.load(), opens);
    EXPECT_EQ(tally.messages.load(), 1);
    EXPECT_EQ(tally.closes.load(), 0);
  }
  void TearDown() override {
    good.reset();
    server.reset();
  }

  Tally tally;
  std::unique_ptr<ServerThread> server;
  std::unique_ptr<RawClient> good;
};

TEST_F(Handshake, MalformedRequestLineGets400) {
  ASSERT_NO_FATAL_FAILURE(start());
  const char* lines[] = {
      "GARBAGE\r\nHost: x\r\n\r\n",
      "GET /\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
      "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET noslash HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET / FTP/1.1\r\nHost: x\r\n\r\n",
  };
  for (const char* req : lines) {
    SCOPED_TRACE(req);
    expect_refused(server->port(), req, 400);
  }
  expect_good_still_served();
}

// A handshake timeout no test waits for: an answer that comes means the server did not wait.
sluice::ServerOptions patient_options() {
  sluice::ServerOptions o = test_options();
  o.handshake_timeout = milliseconds(120'000);
  return o;
}

TEST_F(Handshake, UnsupportedHttpVersionGets505) {
  ASSERT_NO_FATAL_FAILURE(start(patient_options()));
  for (const char* version : {"HTTP/1.9", "HTTP/2.0", "HTTP/0.9"}) {
    SCOPED_TRACE(version);
    std::string req = upgrade_request("/");
    req.replace(req.find("HTTP/1.1"), 8, version);
    HttpReply reply;
    expect_refused(server->port(), req, 505, &reply);
    EXPECT_EQ(reply.status_line, "HTTP/1.1 505 HTTP Version Not Supported");
  }
  expect_good_still_served();
}

TEST_F(Handshake, MalformedHttpVersionGets400) {
  ASSERT_NO_FATAL_FAILURE(start(patient_options()));
  for (const char* version : {"HTTP/1.10", "http/1.1", "HTTP/1.x", "HTTP/11"}) {
    SCOPED_TRACE(version);
    std::string req = upgrade_request("/");
    req.replace(req.find("HTTP/1.1"), 8, version);
    expect_refused(server->port(), req, 400);
  }
  expect_good_still_served();
}

// Each of these can never become a valid request, and none of them ends its head: the server
// must answer 400 and close when the offending bytes arrive, not at the handshake timeout
// (two minutes here, far beyond any wait in expect_refused).
TEST_F(Handshake, HopelessRequestsGet400AtOnceAndAreClosed) {
  ASSERT_NO_FATAL_FAILURE(start(patient_options()));
  const std::string cases[] = {
      "GET / HTTP/1.1\nHost: 127.0.0.1\n",                      // bare LF ends the request line
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\nUpgrade: websocket",  // bare LF ends a header line
      "GET / HTTP/1.1\n\n",                                     // bare LF everywhere
      "GET / HTTP/1.1\r\nHost: a\rb",                           // bare CR
      std::string("\0\0\0\0", 4),                               // cannot start a method
      "{\"op\":\"subscribe\"}",                                 // a WebSocket message without a handshake
      "GET /\r\n",                                              // a request line without a version
  };
  for (const std::string& req : cases) {
    SCOPED_TRACE(::testing::PrintToString(req));
    expect_refused(server->port(), req, 400);
  }
  expect_good_still_served();
}

TEST_F(Handshake, TlsClientHelloOnThePlainPortGets400AtOnceAndIsClosed) {
  ASSERT_NO_FATAL_FAILURE(start(patient_options()));
  // The first bytes of a TLS 1.3 ClientHello: record header (handshake, TLS 1.0 record
  // version, length), handshake header (client_hello, length), legacy_version 3.3, random.
  std::string hello("\x16\x03\x01\x00\xf4\x01\x00\x00\xf0\x03\x03", 11);
  hello += std::string(32, '\x5a');
  expect_refused(server->port(), hello, 400);
  expect_good_still_served();
}

TEST_F(Handshake, HeaderLineWithoutColonGets400) {
  ASSERT_NO_FATAL_FAILURE(start());
  expect_refused(server->port(), upgrade_request("/", "NoColonHere\r\n"), 400);
  expect_good_still_served();
}

TEST_F(Handshake, HeadOverMaxHeaderBytesGets431) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string big = "X-Big: " + std::string(9 * 1024, 'a') + "\r\n";
  expect_refused(server->port(), upgrade_request("/", big), 431);
  expect_good_still_served();
}

TEST_F(Handshake, HeadJustUnderMaxHeaderBytesUpgrades) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string base = upgrade_request("/", "X-Pad: \r\n");
  std::string pad(8 * 1024 - 2 - base.size(), 'a');
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw(upgrade_request("/", "X-Pad: " + pad + "\r\n")));
  auto reply = c.read_http(kWait, true);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 101);
  expect_echo(c, "fits");
}

TEST_F(Handshake, TooManyHeadersGets431) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string extra;
  for (int i = 0; i < 70; ++i) extra += "X-H" + std::to_string(i) + ": v\r\n";
  expect_refused(server->port(), upgrade_request("/", extra), 431);
  expect_good_still_served();
}

TEST_F(Handshake, VersionEightGets426NamingVersion13) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string req =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n";
  HttpReply reply;
  expect_refused(server->port(), req, 426, &reply);
  EXPECT_EQ(reply.header("sec-websocket-version").value_or("<absent>"), "13");
  expect_good_still_served();
}

TEST_F(Handshake, MissingKeyGets400) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string req =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n";
  expect_refused(server->port(), req, 400);
  expect_good_still_served();
}

TEST_F(Handshake, KeyNotBase64Of16BytesGets400) {
  ASSERT_NO_FATAL_FAILURE(start());
  const char* keys[] = {"abc",
                        "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "!!!!!!!!!!!!!!!!!!!!!!==", "dGhlIHNhbXBsZSBub25jZQ"};
  for (const char* key : keys) {
    SCOPED_TRACE(key);
    expect_refused(server->port(), upgrade_request("/", {}, key), 400);
  }
  expect_good_still_served();
}

TEST_F(Handshake, PostUpgradeGets400) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string req = upgrade_request("/");
  req.replace(0, 3, "POST");
  expect_refused(server->port(), req, 400);
  expect_good_still_served();
}

TEST_F(Handshake, MissingOrRepeatedHostOrKeyOrOldHttpGets400) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string no_host = upgrade_request("/");
  no_host.erase(no_host.find("Host: "), std::string("Host: 127.0.0.1\r\n").size());
  std::string http10 = upgrade_request("/");
  http10.replace(http10.find("HTTP/1.1"), 8, "HTTP/1.0");
  std::string no_connection = upgrade_request("/");
  no_connection.replace(no_connection.find("Connection: Upgrade"), 19, "Connection: close");
  for (const std::string& req : {no_host, http10, no_connection, upgrade_request("/", "Host: other\r\n"),
                                 upgrade_request("/", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n")}) {
    SCOPED_TRACE(req);
    expect_refused(server->port(), req, 400);
  }
  expect_good_still_served();
}

TEST_F(Handshake, TokenListsAndCaseInHeadersAreAccepted) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string req =
      "GET /chat HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\n"
      "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n";
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw(req));
  auto reply = c.read_http(kWait, true);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 101);
  EXPECT_EQ(reply->header("sec-websocket-accept").value_or(""), kSampleAccept);
  expect_echo(c, "case-insensitive");
}

TEST_F(Handshake, BadFrameInTheSamePacketAsTheRequestFailsWith1002) {
  ASSERT_NO_FATAL_FAILURE(start());
  FrameSpec unmasked;
  unmasked.payload = "x";
  unmasked.masked = false;
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw(upgrade_request("/") + encode_frame(unmasked)));
  auto reply = c.read_http(kWait, true);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 101);
  expect_close_then_eof(c, 1002);
  expect_echo(*good, "still here");
  EXPECT_TRUE(wait_until([&] { return tally.closes.load() == 1; }));
  EXPECT_EQ(tally.opens.load(), 2);
  EXPECT_EQ(tally.messages.load(), 1);
}

TEST_F(Handshake, PlainGetOfUnknownPathGets404) {
  ASSERT_NO_FATAL_FAILURE(start());
  expect_refused(server->port(), "GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                 404);
  expect_good_still_served();
}

TEST_F(Handshake, RouteAnswers200WithItsBody) {
  std::atomic<int> calls{0};
  std::mutex m;
  std::string seen_query;
  ASSERT_NO_FATAL_FAILURE(start(test_options(), {}, [&](sluice::Server& s) {
    s.route("/health", [&](const sluice::HttpRequest& req) {
      std::lock_guard<std::mutex> lock(m);
      seen_query = std::string(req.query);
      calls.fetch_add(1);
      return sluice::HttpResponse{200, "application/json", "{\"ok\":true}"};
    });
  }));
  HttpReply reply;
  expect_refused(server->port(),
                 "GET /health?verbose=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 200,
                 &reply);
  EXPECT_EQ(reply.body, "{\"ok\":true}");
  EXPECT_EQ(reply.header("content-type").value_or(""), "application/json");
  EXPECT_EQ(reply.header("content-length").value_or(""), "11");
  EXPECT_EQ(calls.load(), 1);
  {
    std::lock_guard<std::mutex> lock(m);
    EXPECT_EQ(seen_query, "verbose=1");
  }
  expect_good_still_served();
}

TEST_F(Handshake, HeadOnRouteSendsHeadersWithoutBody) {
  ASSERT_NO_FATAL_FAILURE(start(test_options(), {}, [&](sluice::Server& s) {
    s.route("/health", [](const sluice::HttpRequest&) {
      return sluice::HttpResponse{200, "text/plain", "up\n"};
    });
  }));
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw("HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  auto reply = c.read_http(kWait, /*head_only=*/true);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->header("content-length").value_or(""), "3");
  std::size_t extra = 0;
  EXPECT_EQ(c.wait_eof(kWait, &extra), ReadStatus::ok) << extra << " body byte(s) sent for HEAD";
  expect_good_still_served();
}

TEST_F(Handshake, UpgradeRefusedWith403NeverOpens) {
  sluice::Behaviors b = echo_behaviors(tally);
  b.on_upgrade = [this](const sluice::UpgradeRequest& req) {
    tally.upgrades.fetch_add(1);
    if (req.path == "/private") return sluice::UpgradeDecision::refuse(403, "no entry");
    return sluice::UpgradeDecision::accept();
  };
  ASSERT_NO_FATAL_FAILURE(start(test_options(), b));
  HttpReply reply;
  expect_refused(server->port(), upgrade_request("/private"), 403, &reply);
  EXPECT_NE(reply.body.find("no entry"), std::string::npos) << reply.body;
  EXPECT_EQ(tally.upgrades.load(), 2);
  expect_good_still_served(/*opens=*/1);
}

TEST_F(Handshake, UpgradeChoosesAnOfferedSubprotocol) {
  sluice::Behaviors b = echo_behaviors(tally);
  b.on_upgrade = [](const sluice::UpgradeRequest& req) {
    if (req.offers_subprotocol("chat.v2")) return sluice::UpgradeDecision::accept("chat.v2");
    return sluice::UpgradeDecision::accept();
  };
  ASSERT_NO_FATAL_FAILURE(start(test_options(), b));
  RawClient c(server->port());
  HttpReply reply;
  ASSERT_TRUE(c.handshake("/", "Sec-WebSocket-Protocol: chat.v1, chat.v2\r\n", &reply)) << reply.status_line;
  EXPECT_EQ(reply.header("sec-websocket-protocol").value_or("<absent>"), "chat.v2");
  expect_echo(c, "hi");
  // Without an offer, no subprotocol header at all (§4.2.2).
  RawClient plain(server->port());
  HttpReply plain_reply;
  ASSERT_TRUE(plain.handshake("/", {}, &plain_reply));
  EXPECT_FALSE(plain_reply.header("sec-websocket-protocol").has_value());
}

TEST_F(Handshake, UpgradeSeesPathQueryHeadersAndOrigin) {
  std::mutex m;
  std::string method, target, path, query, origin, custom;
  std::vector<std::string> offered;
  sluice::Behaviors b = echo_behaviors(tally);
  b.on_upgrade = [&](const sluice::UpgradeRequest& req) {
    std::lock_guard<std::mutex> lock(m);
    method = req.method;
    target = req.target;
    path = req.path;
    query = req.query;
    origin = req.origin();
    custom = req.header("x-CUSTOM");
    for (auto p : req.subprotocols()) offered.emplace_back(p);
    return sluice::UpgradeDecision::accept();
  };
  ASSERT_NO_FATAL_FAILURE(start(test_options(), b));
  RawClient c(server->port());
  ASSERT_TRUE(c.handshake("/room/7?user=ann&x=1",
                          "Origin: https://example.test\r\nX-Custom:  value 42 \r\n"
                          "Sec-WebSocket-Protocol: a, b\r\n"));
  std::lock_guard<std::mutex> lock(m);
  EXPECT_EQ(method, "GET");
  EXPECT_EQ(target, "/room/7?user=ann&x=1");
  EXPECT_EQ(path, "/room/7");
  EXPECT_EQ(query, "user=ann&x=1");
  EXPECT_EQ(origin, "https://example.test");
  EXPECT_EQ(custom, "value 42");
  EXPECT_EQ(offered, (std::vector<std::string>{"a", "b"}));
}

TEST_F(Handshake, AcceptKeyIsTheRfcValue) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(server->port());
  HttpReply reply;
  ASSERT_TRUE(c.handshake("/", {}, &reply)) << reply.status_line;
  EXPECT_EQ(reply.status_line, "HTTP/1.1 101 Switching Protocols");
  EXPECT_EQ(reply.header("sec-websocket-accept").value_or(""), kSampleAccept);
  std::string upgrade = reply.header("upgrade").value_or("");
  for (char& ch : upgrade) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(upgrade, "websocket");
  std::string connection = reply.header("connection").value_or("");
  for (char& ch : connection) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(connection, "upgrade");
  expect_good_still_served(2);
}

TEST_F(Handshake, FramesInTheSamePacketAsTheRequestAreProcessed) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw(upgrade_request("/") + frame(op::text, "first") + frame(op::binary, "second")));
  auto reply = c.read_http(kWait, true);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 101);
  auto f1 = c.read_frame();
  ASSERT_TRUE(f1.has_value());
  EXPECT_EQ(f1->opcode, op::text);
  EXPECT_EQ(f1->payload, "first");
  auto f2 = c.read_frame();
  ASSERT_TRUE(f2.has_value());
  EXPECT_EQ(f2->opcode, op::binary);
  EXPECT_EQ(f2->payload, "second");
  EXPECT_EQ(tally.messages.load(), 2);
}

TEST_F(Handshake, RequestSplitIntoTinyPiecesUpgrades) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(server->port());
  std::string req = upgrade_request("/") + frame(op::text, "after");
  for (std::size_t i = 0; i < req.size(); i += 7) {
    ASSERT_TRUE(c.send_raw(std::string_view(req).substr(i, 7)));
    std::this_thread::sleep_for(milliseconds(1));
  }
  auto reply = c.read_http(kWait, true);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 101);
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->payload, "after");
}

}  // namespace
}  // namespace sluice_test
