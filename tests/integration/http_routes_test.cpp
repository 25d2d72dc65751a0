// Plain HTTP routes over a real socket: methods, bodies framed by Content-Length (in one read or
// many, with Expect: 100-continue), the limits that answer 413/411/405/404, response headers,
// keep-alive and pipelining, and the peer's address handed to the application.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

using namespace std::chrono_literals;

class HttpRoutes : public ::testing::Test {
 protected:
  void start(sluice::ServerOptions o = test_options()) {
    o.max_body_bytes = 64 * 1024;
    o.keep_alive_timeout = keep_alive;
    server = std::make_unique<ServerThread>(std::move(o), echo_behaviors(tally), [this](sluice::Server& s) {
      s.route("POST", "/echo", [this](const sluice::HttpRequest& req) {
        std::lock_guard<std::mutex> lock(m);
        seen_address = std::string(req.remote_address);
        ++posts;
        sluice::HttpResponse r{201, "application/octet-stream", std::string(req.body)};
        r.header("X-Method", std::string(req.method));
        r.header("X-Bad", "split\r\nInjected: yes");  // must not reach the wire
        return r;
      });
      s.route("/topics/*", [](const sluice::HttpRequest& req) {
        return sluice::HttpResponse{200, "text/plain", "prefix " + std::string(req.path)};
      });
      s.route("/topics/exact", [](const sluice::HttpRequest&) {
        return sluice::HttpResponse{200, "text/plain", "exact"};
      });
    });
  }
  static std::string post(std::string_view path, std::string_view body, std::string_view extra = {}) {
    return "POST " + std::string(path) +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           std::string(extra) + "\r\n" + std::string(body);
  }

  std::chrono::milliseconds keep_alive = 10'000ms;
  Tally tally;
  std::unique_ptr<ServerThread> server;
  std::mutex m;
  std::string seen_address;
  int posts = 0;
};

TEST_F(HttpRoutes, PostBodyInOneReadReachesTheHandlerWithItsHeaders) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw(post("/echo", "hello body")));
  auto reply = c.read_http();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 201);
  EXPECT_EQ(reply->body, "hello body");
  EXPECT_EQ(reply->header("x-method").value_or(""), "POST");
  EXPECT_EQ(reply->header("content-type").value_or(""), "application/octet-stream");
  EXPECT_FALSE(reply->header("x-bad").has_value());
  EXPECT_FALSE(reply->header("injected").has_value());
  EXPECT_EQ(reply->header("connection").value_or(""), "keep-alive");
  std::lock_guard<std::mutex> lock(m);
  EXPECT_EQ(seen_address, "127.0.0.1");
}

TEST_F(HttpRoutes, BodySplitAcrossReadsIsGatheredWhole) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(server->port());
  std::string body(40'000, 'x');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  std::string request = post("/echo", body);
  // Head alone, then the body in pieces: each arrives in its own read.
  std::size_t head = request.size() - body.size();
  ASSERT_TRUE(c.send_raw(request.substr(0, head)));
  for (std::size_t at = 0; at < body.size(); at += 10'000) {
    std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(c.send_raw(std::string_view(body).substr(at, 10'000)));
  }
  auto reply = c.read_http();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 201);
  EXPECT_EQ(reply->body, body);
}

TEST_F(HttpRoutes, ExpectContinueIsAnsweredBeforeTheBody) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(server->port());
  std::string request = post("/echo", "later", "Expect: 100-continue\r\n");
  ASSERT_TRUE(c.send_raw(request.substr(0, request.size() - 5)));
  auto interim = c.read_http(kWait, /*head_only=*/true);
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send_raw("later"));
  auto reply = c.read_http();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 201);
  EXPECT_EQ(reply->body, "later");
}

TEST_F(HttpRoutes, OversizedBodyGets413AndTheConnectionEnds) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 65537\r\n\r\n"));
  auto reply = c.read_http();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(reply->header("connection").value_or(""), "close");
  EXPECT_EQ(c.wait_eof(), ReadStatus::ok);
  std::lock_guard<std::mutex> lock(m);
  EXPECT_EQ(posts, 0);
}

TEST_F(HttpRoutes, BadFramingGetsItsStatus) {
  ASSERT_NO_FATAL_FAILURE(start());
  struct Case {
    const char* request;
    int status;
  } cases[] = {
      {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 411},
      {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n", 400},
      {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
  };
  for (const Case& k : cases) {
    RawClient c(server->port());
    ASSERT_TRUE(c.send_raw(k.request));
    auto reply = c.read_http();
    ASSERT_TRUE(reply.has_value()) << k.request;
    EXPECT_EQ(reply->status, k.status) << k.request;
    EXPECT_EQ(c.wait_eof(), ReadStatus::ok) << k.request;
  }
  std::lock_guard<std::mutex> lock(m);
  EXPECT_EQ(posts, 0);
}

TEST_F(HttpRoutes, MethodAndPathMatching) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto reply = c.read_http();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 405);
  EXPECT_EQ(reply->header("allow").value_or(""), "POST");
  ASSERT_TRUE(c.send_raw("GET /topics/a/b HTTP/1.1\r\nHost: x\r\n\r\n"));
  reply = c.read_http();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->body, "prefix /topics/a/b");
  ASSERT_TRUE(c.send_raw("GET /topics/exact HTTP/1.1\r\nHost: x\r\n\r\n"));
  reply = c.read_http();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->body, "exact");
  ASSERT_TRUE(c.send_raw("DELETE /topics/a HTTP/1.1\r\nHost: x\r\n\r\n"));
  reply = c.read_http();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 405);
  EXPECT_EQ(reply->header("allow").value_or(""), "GET, HEAD");
  ASSERT_TRUE(c.send_raw("GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n"));
  reply = c.read_http();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 404);
}

TEST_F(HttpRoutes, PipelinedRequestsAreAnsweredInOrder) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw(post("/echo", "one") + post("/echo", "two") +
                         "GET /topics/exact HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  for (const char* want : {"one", "two", "exact"}) {
    auto reply = c.read_http();
    ASSERT_TRUE(reply.has_value()) << want;
    EXPECT_EQ(reply->body, want);
  }
  EXPECT_EQ(c.wait_eof(), ReadStatus::ok) << "Connection: close ends the connection after its response";
}

TEST_F(HttpRoutes, Http10ClosesUnlessAskedToKeepAlive) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient once(server->port());
  ASSERT_TRUE(once.send_raw("GET /topics/exact HTTP/1.0\r\n\r\n"));
  auto reply = once.read_http();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->header("connection").value_or(""), "close");
  EXPECT_EQ(once.wait_eof(), ReadStatus::ok);

  RawClient kept(server->port());
  ASSERT_TRUE(kept.send_raw("GET /topics/exact HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  reply = kept.read_http();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->header("connection").value_or(""), "keep-alive");
  ASSERT_TRUE(kept.send_raw("GET /topics/exact HTTP/1.0\r\n\r\n"));
  reply = kept.read_http();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->body, "exact");
}

TEST_F(HttpRoutes, AnIdleKeptAliveConnectionIsClosedAfterTheTimeout) {
  keep_alive = 200ms;
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw("GET /topics/exact HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_http().has_value());
  EXPECT_EQ(c.wait_eof(), ReadStatus::ok);
}

TEST_F(HttpRoutes, AKeptAliveConnectionCanStillUpgrade) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw("GET /topics/exact HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_http().has_value());
  ASSERT_TRUE(c.handshake());
  expect_echo(c, "upgraded after a request");
}

TEST_F(HttpRoutes, TheWebSocketKnowsItsPeer) {
  std::mutex address_mutex;
  std::string address;
  sluice::Behaviors b;
  b.on_open = [&](sluice::WebSocket ws) {
    std::lock_guard<std::mutex> lock(address_mutex);
    address = ws.remote_address();
  };
  server = std::make_unique<ServerThread>(test_options(), std::move(b));
  RawClient c(server->port());
  ASSERT_TRUE(c.handshake());
  EXPECT_TRUE(wait_until([&] {
    std::lock_guard<std::mutex> lock(address_mutex);
    return address == "127.0.0.1";
  }));
}

}  // namespace
}  // namespace sluice_test
