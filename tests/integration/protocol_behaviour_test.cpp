// Protocol behaviour on a healthy connection: ping/pong, control frames between fragments,
// the server-initiated closing handshake, and the client-initiated one.
#include <gtest/gtest.h>

#include <string>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

TEST(Pings, PingGetsAPongWithTheSamePayload) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  for (std::string payload : {std::string(), std::string("hello"), std::string("\x00\xff\x80 bin", 7)}) {
    ASSERT_TRUE(c.send_frame(op::ping, payload));
    auto f = c.read_frame();
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->opcode, op::pong);
    EXPECT_TRUE(f->fin);
    EXPECT_EQ(f->payload, payload);
  }
  EXPECT_EQ(tally.messages.load(), 0) << "pings are not messages";
}

TEST(Pings, EveryPingOfABurstFromAReadingPeerIsAnswered) {
  // Ten pings in one write reach the server in one read; a peer that reads is not behind, so
  // no pong supersedes another (Autobahn 2.10 and 2.11 expect one for each).
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  std::string burst;
  for (int i = 0; i < 10; ++i) burst += frame(op::ping, "payload-" + std::to_string(i));
  ASSERT_TRUE(c.send_raw(burst));
  for (int i = 0; i < 10; ++i) {
    auto f = c.read_frame();
    ASSERT_TRUE(f.has_value()) << "pong " << i;
    EXPECT_EQ(f->opcode, op::pong);
    EXPECT_EQ(f->payload, "payload-" + std::to_string(i));
  }
  expect_echo(c, "after");  // and nothing else came first
}

TEST(Pings, UnsolicitedPongIsIgnored) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(c.send_frame(op::pong, "unasked"));
  expect_echo(c, "next");  // the very next frame is the echo: nothing answered the pong
  EXPECT_EQ(tally.messages.load(), 1);
}

TEST(Pings, ServerPingFromACallbackReachesTheClient) {
  Tally tally;
  sluice::Behaviors b = echo_behaviors(tally);
  b.on_message = [&tally](sluice::WebSocket ws, std::string_view data, sluice::Opcode) {
    tally.messages.fetch_add(1);
    ws.ping(data);
  };
  ServerThread srv(test_options(), b);
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(c.send_frame(op::text, "are you there"));
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->opcode, op::ping);
  EXPECT_EQ(f->payload, "are you there");
}

TEST(Fragments, InterleavedPingIsAnsweredBeforeTheMessageIsDelivered) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  // All in one write, and then frame by frame.
  for (bool one_write : {true, false}) {
    SCOPED_TRACE(one_write ? "one write" : "separate writes");
    std::string parts[] = {frame(op::text, "Hel", false), frame(op::ping, "mid"),
                           frame(op::continuation, "lo, ", false), frame(op::continuation, "world")};
    if (one_write) {
      ASSERT_TRUE(c.send_raw(parts[0] + parts[1] + parts[2] + parts[3]));
    } else {
      for (const auto& p : parts) {
        ASSERT_TRUE(c.send_raw(p));
        std::this_thread::sleep_for(milliseconds(5));
      }
    }
    auto pong = c.read_frame();
    ASSERT_TRUE(pong.has_value());
    EXPECT_EQ(pong->opcode, op::pong);
    EXPECT_EQ(pong->payload, "mid");
    auto msg = c.read_frame();
    ASSERT_TRUE(msg.has_value());
    EXPECT_EQ(msg->opcode, op::text);
    EXPECT_TRUE(msg->fin);
    EXPECT_EQ(msg->payload, "Hello, world");
  }
  EXPECT_EQ(tally.messages.load(), 2);
}

TEST(Fragments, ManyFragmentsAssembleInOrder) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  std::string bytes, expected;
  for (int i = 0; i < 100; ++i) {
    std::string piece = std::to_string(i) + ",";
    expected += piece;
    bytes += frame(i == 0 ? op::binary : op::continuation, piece, i == 99);
  }
  ASSERT_TRUE(c.send_raw(bytes));
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->opcode, op::binary);
  EXPECT_EQ(f->payload, expected);
}

TEST(Fragments, LargeMessageSplitAcrossReadsArrivesWhole) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  std::string big(300 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 251);
  ASSERT_TRUE(c.send_frame(op::binary, big));
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->payload.size(), big.size());
  EXPECT_TRUE(f->payload == big);
}

TEST(Fragments, FramesTrickledOneByteAtATimeAreParsed) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  // Every header form (7-, 16- and 64-bit lengths), a control frame between fragments, and a
  // close frame, each cut at every byte.
  std::string mid(200, 'm');
  std::string bytes = frame(op::text, "Hi", false) + frame(op::ping, "pp") + frame(op::continuation, mid) +
                      frame(op::binary, std::string(70'000, 'L')) + frame(op::close, close_body(1000, "ok"));
  for (std::size_t i = 0; i < bytes.size();) {
    // Byte by byte through the headers and small frames; the long payload in larger pieces.
    std::size_t n = i > 300 && i + 100 < bytes.size() ? 4096 : 1;
    n = std::min(n, bytes.size() - i);
    ASSERT_TRUE(c.send_raw(std::string_view(bytes).substr(i, n)));
    i += n;
    if (n == 1) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  auto pong = c.read_frame();
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(pong->opcode, op::pong);
  EXPECT_EQ(pong->payload, "pp");
  auto text = c.read_frame();
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->payload, "Hi" + mid);
  auto big = c.read_frame();
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->payload, std::string(70'000, 'L'));
  expect_close_then_eof(c, 1000);
  ASSERT_TRUE(wait_until([&] { return tally.closes.load() == 1; }));
  EXPECT_EQ(tally.messages.load(), 2);
  EXPECT_EQ(tally.reasons(), std::vector<std::string>{"ok"});
}

// A server that closes with 4000 "bye" when told to, recording what send() says afterwards.
struct Closer {
  Tally tally;
  std::atomic<int> send_after_close{-1};
  std::atomic<bool> open_after_close{true};
  sluice::Behaviors behaviors() {
    sluice::Behaviors b = echo_behaviors(tally);
    b.on_message = [this](sluice::WebSocket ws, std::string_view data, sluice::Opcode opcode) {
      tally.messages.fetch_add(1);
      if (data != "close-me") {
        ws.send(data, opcode);
        return;
      }
      ws.close(4000, "bye");
      send_after_close = static_cast<int>(ws.send("after close"));
      open_after_close = ws.is_open();
    };
    return b;
  }
};

TEST(ServerClose, SendsItsCodeAndReportsThePeersReply) {
  Closer closer;
  ServerThread srv(test_options(), closer.behaviors());
  RawClient other(srv.port());
  ASSERT_TRUE(other.handshake());
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(c.send_frame(op::text, "close-me"));
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->opcode, op::close);
  EXPECT_EQ(f->close_code(), 4000);
  EXPECT_EQ(f->close_reason(), "bye");
  EXPECT_EQ(closer.send_after_close.load(), static_cast<int>(sluice::SendStatus::closed));
  EXPECT_FALSE(closer.open_after_close.load());
  // Data sent by the client before its reply is not answered: no data frame follows a close.
  ASSERT_TRUE(c.send_frame(op::text, "in flight"));
  EXPECT_EQ(closer.tally.closes.load(), 0) << "on_close ran before the peer answered";
  // The peer answers with a different code: on_close reports the peer's.
  ASSERT_TRUE(c.send_frame(op::close, close_body(1000, "ok then")));
  std::size_t extra = 0;
  EXPECT_EQ(c.wait_eof(kWait, &extra), ReadStatus::ok) << extra << " byte(s) after the server's close";
  ASSERT_TRUE(wait_until([&] { return closer.tally.closes.load() == 1; }));
  EXPECT_EQ(closer.tally.codes(), std::vector<std::uint16_t>{1000});
  EXPECT_EQ(closer.tally.reasons(), std::vector<std::string>{"ok then"});
  expect_echo(other, "unaffected");
}

TEST(ServerClose, EchoedCloseCodeIsReported) {
  Closer closer;
  ServerThread srv(test_options(), closer.behaviors());
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(c.send_frame(op::text, "close-me"));
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->opcode, op::close);
  ASSERT_TRUE(c.send_frame(op::close, f->payload.substr(0, 2)));
  EXPECT_EQ(c.wait_eof(), ReadStatus::ok);
  ASSERT_TRUE(wait_until([&] { return closer.tally.closes.load() == 1; }));
  EXPECT_EQ(closer.tally.codes(), std::vector<std::uint16_t>{4000});
  EXPECT_EQ(closer.tally.opens.load(), 1);
}

TEST(ServerClose, PeerThatNeverAnswersIsCutAfterCloseTimeout) {
  Closer closer;
  sluice::ServerOptions o = test_options();
  o.close_timeout = milliseconds(300);
  ServerThread srv(o, closer.behaviors());
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(c.send_frame(op::text, "close-me"));
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->opcode, op::close);
  EXPECT_NE(c.drain_until_closed(), ReadStatus::timeout) << "no cut after close_timeout";
  ASSERT_TRUE(wait_until([&] { return closer.tally.closes.load() == 1; }));
}

TEST(ClientClose, ServerEchoesThenEndsTcpFirst) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  expect_echo(c, "before");
  ASSERT_TRUE(c.send_frame(op::close, close_body(1000, "done")));
  // The client keeps its side open: the EOF it sees is the server closing first (§7.1.1).
  expect_close_then_eof(c, 1000);
  ASSERT_TRUE(wait_until([&] { return tally.closes.load() == 1; }));
  EXPECT_EQ(tally.codes(), std::vector<std::uint16_t>{1000});
  EXPECT_EQ(tally.reasons(), std::vector<std::string>{"done"});
  EXPECT_EQ(tally.opens.load(), 1);
  EXPECT_EQ(tally.messages.load(), 1);
}

}  // namespace
}  // namespace sluice_test
