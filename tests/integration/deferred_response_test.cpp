// Answers given later (HttpResponse::later, HttpStream::respond): nothing is written until the
// route responds, then the whole response goes out and the connection ends; a client that goes
// away first ends the wait with one on_close, and a late respond() reaches nobody.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>

#include "integration_helpers.hpp"
#include "support/http_reply.hpp"
#include "support/raw_socket.hpp"

namespace sluice_test {
namespace {

struct Waiting {
  std::optional<sluice::HttpStream> stream;
  std::atomic<int> opens{0};
  std::atomic<int> closes{0};
};

void add_later_route(sluice::Server& s, Waiting& w) {
  sluice::StreamBehaviors b;
  b.on_open = [&w](sluice::HttpStream st) {
    w.stream = st;
    w.opens.fetch_add(1);
  };
  b.on_close = [&w](sluice::HttpStream) {
    w.stream.reset();
    w.closes.fetch_add(1);
  };
  s.route(
      "POST", "/later", [](const sluice::HttpRequest&) { return sluice::HttpResponse::later(); },
      std::move(b));
}

TEST(DeferredResponse, NothingIsWrittenUntilTheRouteResponds) {
  Waiting w;
  ServerThread server(test_options(), {}, [&](sluice::Server& s) { add_later_route(s, w); });
  RawSocket client = RawSocket::connect_loopback(server.port());
  ASSERT_TRUE(client.send_all("POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"));
  ASSERT_TRUE(wait_until([&] { return w.opens.load() == 1; }));
  char buf[4096];
  std::size_t got = 0;
  EXPECT_EQ(client.receive(buf, Clock::now() + milliseconds(200), got), ReadStatus::timeout);

  ASSERT_TRUE(server.on_loop([&] {
    w.stream->respond(
        sluice::HttpResponse(503, "application/json", "{\"error\":\"later\"}\n").header("Retry-After", "1"));
  }));
  std::string text;
  const auto deadline = Clock::now() + kWait;
  while (client.receive(buf, deadline, got) == ReadStatus::ok && got > 0) text.append(buf, got);
  auto reply = parse_http_reply(text);
  ASSERT_TRUE(reply) << text;
  EXPECT_EQ(reply->status, 503);
  EXPECT_EQ(reply->header("retry-after"), "1");
  EXPECT_EQ(reply->header("content-length"), "18");
  EXPECT_EQ(reply->header("connection"), "close");
  EXPECT_NE(text.find("{\"error\":\"later\"}\n"), std::string::npos);
  EXPECT_TRUE(wait_until([&] { return w.closes.load() == 1; }));
}

TEST(DeferredResponse, AClientThatLeavesFirstEndsTheWaitWithOneOnClose) {
  Waiting w;
  ServerThread server(test_options(), {}, [&](sluice::Server& s) { add_later_route(s, w); });
  {
    RawSocket client = RawSocket::connect_loopback(server.port());
    ASSERT_TRUE(client.send_all("POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
    ASSERT_TRUE(wait_until([&] { return w.opens.load() == 1; }));
  }
  EXPECT_TRUE(wait_until([&] { return w.closes.load() == 1; }));
  EXPECT_TRUE(wait_until([&] { return server.stats().connections_open == 0; }));
}

}  // namespace
}  // namespace sluice_test
