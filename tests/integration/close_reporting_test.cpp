// What on_close reports (behaviors.hpp, RFC 6455 §7.1.5): the peer's close code, 1005 when its
// close frame had none, 1006 when the connection ended without a close frame from the peer.
// Exactly one on_close per on_open.
#include <gtest/gtest.h>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

TEST(CloseReporting, PeerVanishingIsReportedAs1006) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  {
    RawClient c(srv.port());
    ASSERT_TRUE(c.handshake());
    expect_echo(c, "bye");
  }  // TCP closed without a close frame
  ASSERT_TRUE(wait_until([&] { return tally.closes.load() == 1; }));
  EXPECT_EQ(tally.codes(), std::vector<std::uint16_t>{1006});
}

TEST(CloseReporting, ProtocolErrorWithoutAPeerCloseIsReportedAs1006) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  {
    RawClient c(srv.port());
    ASSERT_TRUE(c.handshake());
    ASSERT_TRUE(c.send_frame(0x3, "bad opcode"));
    expect_close_then_eof(c, 1002);
  }  // the client never sends a close frame
  ASSERT_TRUE(wait_until([&] { return tally.closes.load() == 1; }));
  EXPECT_EQ(tally.codes(), std::vector<std::uint16_t>{1006})
      << "no close frame came from the peer; the code the server sent is not the peer's";
}

TEST(CloseReporting, ServerCloseThenPeerVanishingIsReportedAs1006) {
  Tally tally;
  sluice::Behaviors b = echo_behaviors(tally);
  b.on_message = [&tally](sluice::WebSocket ws, std::string_view, sluice::Opcode) {
    tally.messages.fetch_add(1);
    ws.close(4000, "bye");
  };
  ServerThread srv(test_options(), b);
  {
    RawClient c(srv.port());
    ASSERT_TRUE(c.handshake());
    ASSERT_TRUE(c.send_frame(op::text, "close me"));
    auto f = c.read_frame();
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->close_code(), 4000);
  }  // TCP closed without answering the close
  ASSERT_TRUE(wait_until([&] { return tally.closes.load() == 1; }));
  EXPECT_EQ(tally.codes(), std::vector<std::uint16_t>{1006})
      << "no close frame came from the peer; 4000 is the server's own code";
}

TEST(CloseReporting, ProtocolErrorAnsweredByThePeerReportsThePeersCode) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(c.send_frame(0x3, "bad opcode"));
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->close_code(), 1002);
  c.send_frame(op::close, close_body(1002));  // may race the server's half-close; fine
  EXPECT_NE(c.drain_until_closed(), ReadStatus::timeout);
  ASSERT_TRUE(wait_until([&] { return tally.closes.load() == 1; }));
  // Either the peer's 1002 was read, or the connection ended first (1006); never anything else.
  auto codes = tally.codes();
  ASSERT_EQ(codes.size(), 1u);
  EXPECT_TRUE(codes[0] == 1002 || codes[0] == 1006) << codes[0];
}

TEST(CloseReporting, EveryOpenGetsExactlyOneClose) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  {
    RawClient a(srv.port()), b(srv.port()), c(srv.port()), d(srv.port());
    ASSERT_TRUE(a.handshake() && b.handshake() && c.handshake() && d.handshake());
    ASSERT_TRUE(a.send_frame(op::close, close_body(1000)));   // clean close
    ASSERT_TRUE(b.send_frame(op::text, "x", /*fin=*/false));  // mid-message vanish
    ASSERT_TRUE(c.send_frame(0xB, ""));                       // protocol error
    ASSERT_TRUE(d.send_frame(op::close, close_body(1000)));   // close, then vanish at once
    expect_close_then_eof(a, 1000);
    expect_close_then_eof(c, 1002);
  }
  ASSERT_TRUE(wait_until([&] { return tally.closes.load() == 4; }));
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(tally.opens.load(), 4);
  EXPECT_EQ(tally.closes.load(), 4);
}

}  // namespace
}  // namespace sluice_test
