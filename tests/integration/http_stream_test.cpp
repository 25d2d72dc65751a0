// Streaming responses (HttpResponse::stream, HttpStream): the head goes out at once without a
// length, chunks arrive as they are sent, topics reach streams as their payload alone, a
// stalled stream is capped and ended by its policy, and either side may end it with exactly
// one on_close.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>

#include "integration_helpers.hpp"
#include "support/http_reply.hpp"
#include "support/raw_socket.hpp"

namespace sluice_test {
namespace {

// What the stream route's callbacks saw; the handle is used on the loop thread only.
struct StreamLog {
  std::optional<sluice::HttpStream> stream;
  std::atomic<int> opens{0};
  std::atomic<int> closes{0};
  std::atomic<int> drains{0};
};

void add_events_route(sluice::Server& s, StreamLog& log, const char* first_chunk = "data: hello\n\n") {
  sluice::StreamBehaviors b;
  b.on_open = [&log, first_chunk](sluice::HttpStream st) {
    log.stream = st;
    log.opens.fetch_add(1);
    st.send(first_chunk);
  };
  b.on_drain = [&log](sluice::HttpStream) { log.drains.fetch_add(1); };
  b.on_close = [&log](sluice::HttpStream) {
    log.stream.reset();
    log.closes.fetch_add(1);
  };
  s.route(
      "GET", "/events",
      [](const sluice::HttpRequest& req) {
        if (req.header("accept") != "text/event-stream")
          return sluice::HttpResponse(200, "text/plain", "not a stream\n");
        return sluice::HttpResponse::stream("text/event-stream").header("Cache-Control", "no-cache");
      },
      std::move(b));
}

// Reads from `s` until `want` bytes have arrived after the head (or the deadline).
std::string read_bytes(RawSocket& s, std::size_t want, std::string& pending) {
  const auto deadline = Clock::now() + kWait;
  char buf[4096];
  while (pending.size() < want) {
    std::size_t got = 0;
    if (s.receive(buf, deadline, got) != ReadStatus::ok || got == 0) break;
    pending.append(buf, got);
  }
  std::string out = pending.substr(0, want);
  pending.erase(0, out.size());
  return out;
}

std::optional<HttpReply> open_stream(RawSocket& s, std::string& pending,
                                     std::string_view accept = "text/event-stream") {
  std::string req = "GET /events HTTP/1.1\r\nHost: x\r\nAccept: " + std::string(accept) + "\r\n\r\n";
  if (!s.send_all(req)) return std::nullopt;
  const auto deadline = Clock::now() + kWait;
  char buf[4096];
  while (pending.find("\r\n\r\n") == std::string::npos) {
    std::size_t got = 0;
    if (s.receive(buf, deadline, got) != ReadStatus::ok || got == 0) return std::nullopt;
    pending.append(buf, got);
  }
  const std::size_t end = pending.find("\r\n\r\n") + 4;
  auto reply = parse_http_reply(pending.substr(0, end));
  pending.erase(0, end);
  return reply;
}

TEST(HttpStream, AStreamingAnswerSendsItsHeadAtOnceAndChunksAsTheyAreSent) {
  StreamLog log;
  ServerThread server(test_options(), {}, [&](sluice::Server& s) { add_events_route(s, log); });
  RawSocket client = RawSocket::connect_loopback(server.port());
  std::string pending;
  auto head = open_stream(client, pending);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-type"), "text/event-stream");
  EXPECT_EQ(head->header("cache-control"), "no-cache");
  EXPECT_EQ(head->header("connection"), "close");
  EXPECT_FALSE(head->header("content-length"));  // it ends with the connection
  EXPECT_EQ(read_bytes(client, 13, pending), "data: hello\n\n");

  EXPECT_EQ(server.ask([&] { return log.stream->send("data: more\n\n"); }), sluice::SendStatus::sent);
  EXPECT_EQ(read_bytes(client, 12, pending), "data: more\n\n");

  ASSERT_TRUE(server.on_loop([&] { log.stream->end(); }));
  char buf[64];
  std::size_t got = 0;
  EXPECT_EQ(client.receive(buf, Clock::now() + kWait, got), ReadStatus::eof);
  EXPECT_TRUE(wait_until([&] { return log.closes.load() == 1; }));
  EXPECT_EQ(log.opens.load(), 1);
}

TEST(HttpStream, TheSameRouteMayAnswerWholeWhenItChooses) {
  StreamLog log;
  ServerThread server(test_options(), {}, [&](sluice::Server& s) { add_events_route(s, log); });
  RawSocket client = RawSocket::connect_loopback(server.port());
  std::string pending;
  auto head = open_stream(client, pending, "text/plain");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->header("content-length"), "13");
  EXPECT_EQ(read_bytes(client, 13, pending), "not a stream\n");
  EXPECT_EQ(log.opens.load(), 0);
}

TEST(HttpStream, AClientThatGoesAwayEndsItsStreamWithOneOnClose) {
  StreamLog log;
  ServerThread server(test_options(), {}, [&](sluice::Server& s) { add_events_route(s, log); });
  {
    RawSocket client = RawSocket::connect_loopback(server.port());
    std::string pending;
    ASSERT_TRUE(open_stream(client, pending));
    ASSERT_TRUE(wait_until([&] { return log.opens.load() == 1; }));
  }
  EXPECT_TRUE(wait_until([&] { return log.closes.load() == 1; }));
  EXPECT_TRUE(wait_until([&] { return server.stats().connections_open == 0; }));
}

TEST(HttpStream, ATopicReachesStreamsAsThePayloadAloneAndWebSocketsAsFrames) {
  StreamLog log;
  sluice::Behaviors ws;
  std::atomic<int> ws_open{0};
  ws.on_open = [&](sluice::WebSocket w) {
    w.subscribe("feed");
    ws_open.fetch_add(1);
  };
  ServerThread server(test_options(), ws, [&](sluice::Server& s) { add_events_route(s, log, ""); });
  RawSocket stream_client = RawSocket::connect_loopback(server.port());
  std::string pending;
  ASSERT_TRUE(open_stream(stream_client, pending));
  ASSERT_TRUE(wait_until([&] { return log.opens.load() == 1; }));
  ASSERT_TRUE(server.on_loop([&] { log.stream->subscribe("feed"); }));
  RawClient ws_client(server.port());
  ASSERT_TRUE(ws_client.handshake("/"));
  ASSERT_TRUE(wait_until([&] { return ws_open.load() == 1; }));

  sluice::PublishResult r =
      server.ask([&] { return server.server().publish("feed", "data: 42\n\n", sluice::Opcode::text); });
  EXPECT_EQ(r.receivers(), 2u);
  EXPECT_EQ(read_bytes(stream_client, 10, pending), "data: 42\n\n");
  auto frame = ws_client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->payload, "data: 42\n\n");
}

TEST(HttpStream, AStalledStreamIsCappedAndEndedByTheClosePolicy) {
  StreamLog log;
  sluice::ServerOptions o = test_options();
  o.max_buffered_bytes = 64 * 1024;
  o.send_buffer_bytes = 4096;
  o.close_timeout = std::chrono::milliseconds(500);
  ServerThread server(o, {}, [&](sluice::Server& s) { add_events_route(s, log); });
  RawSocket client = RawSocket::connect_loopback(server.port(), 4096);
  std::string pending;
  ASSERT_TRUE(open_stream(client, pending));
  ASSERT_TRUE(wait_until([&] { return log.opens.load() == 1; }));
  // Nobody reads: the queue reaches its cap, the close policy ends the stream, and the close
  // deadline cuts the connection; no send was ever queued past the cap.
  const std::string chunk = "data: " + std::string(1000, 'x') + "\n\n";
  int closed_at = -1;
  ASSERT_TRUE(server.on_loop([&] {
    for (int i = 0; i < 1000 && closed_at < 0; ++i)
      if (log.stream->send(chunk) == sluice::SendStatus::closed) closed_at = i;
  }));
  EXPECT_GT(closed_at, 0);
  EXPECT_LE(server.stats().buffered_high_water, o.max_buffered_bytes);
  EXPECT_EQ(server.stats().connections_closed_by_policy, 1u);
  EXPECT_TRUE(wait_until([&] { return log.closes.load() == 1; }));
}

TEST(HttpStream, ARouteThatStreamsWithoutStreamBehaviorsAnswers500) {
  ServerThread server(test_options(), {}, [](sluice::Server& s) {
    s.route("/events",
            [](const sluice::HttpRequest&) { return sluice::HttpResponse::stream("text/event-stream"); });
  });
  RawSocket client = RawSocket::connect_loopback(server.port());
  std::string pending;
  auto head = open_stream(client, pending);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 500);
}

}  // namespace
}  // namespace sluice_test
