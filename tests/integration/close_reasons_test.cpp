// Why connections end: ServerStats::connections_closed_by_reason counts each ending once, by the
// first reason decided (a close handshake, a protocol error, a limit, a deadline, a peer that
// vanished), and the received counters count what peers sent.
#include <gtest/gtest.h>

#include "integration_helpers.hpp"

namespace sluice_test {
namespace {

std::uint64_t closed_for(const sluice::ServerStats& s, sluice::CloseReason r) {
  return s.connections_closed_by_reason[static_cast<std::size_t>(r)];
}

std::uint64_t closed_total(const sluice::ServerStats& s) {
  std::uint64_t n = 0;
  for (std::uint64_t v : s.connections_closed_by_reason) n += v;
  return n;
}

// Waits until every accepted connection is gone, then checks that exactly one reason counted
// each and that `reason` did `expected` times.
void expect_closed(ServerThread& srv, sluice::CloseReason reason, std::uint64_t expected) {
  ASSERT_TRUE(wait_until([&] {
    const sluice::ServerStats s = srv.stats();
    return s.connections_closed == s.connections_accepted;
  }));
  const sluice::ServerStats s = srv.stats();
  EXPECT_EQ(closed_total(s), s.connections_closed) << "each ending is counted once";
  EXPECT_EQ(closed_for(s, reason), expected) << sluice::to_string(reason);
}

TEST(CloseReasons, ACloseHandshakeIsNormalAndMessagesAndBytesReceivedAreCounted) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  expect_echo(c, "one");
  expect_echo(c, "two");
  ASSERT_TRUE(c.send_frame(op::close, close_body(1000, "bye")));
  expect_close_then_eof(c, 1000);
  expect_closed(srv, sluice::CloseReason::normal, 1);
  const sluice::ServerStats s = srv.stats();
  EXPECT_EQ(s.messages_received, 2u) << "the close frame is not a message";
  // The request, two 3-byte text frames with a 6-byte masked header each, the close frame.
  const std::size_t expected = upgrade_request().size() + 2 * (6 + 3) + 6 + 2 + 3;
  EXPECT_EQ(s.bytes_received, expected);
}

TEST(CloseReasons, AProtocolErrorAndAnOversizedMessageAreCountedApart) {
  sluice::ServerOptions o = test_options();
  o.max_message_size = 16;
  o.close_timeout = milliseconds(100);
  Tally tally;
  ServerThread srv(o, echo_behaviors(tally));
  RawClient unmasked(srv.port());
  ASSERT_TRUE(unmasked.handshake());
  FrameSpec spec;
  spec.payload = "x";
  spec.masked = false;
  ASSERT_TRUE(unmasked.send_raw(encode_frame(spec)));
  expect_close_then_eof(unmasked, 1002);
  RawClient big(srv.port());
  ASSERT_TRUE(big.handshake());
  ASSERT_TRUE(big.send_frame(op::text, std::string(64, 'x')));
  expect_close_then_eof(big, 1009);
  expect_closed(srv, sluice::CloseReason::protocol_error, 1);
  EXPECT_EQ(closed_for(srv.stats(), sluice::CloseReason::message_too_big), 1u);
}

TEST(CloseReasons, AConnectionOverTheLimitIsRefused) {
  sluice::ServerOptions o = test_options();
  o.max_connections = 1;
  Tally tally;
  ServerThread srv(o, echo_behaviors(tally));
  auto first = std::make_unique<RawClient>(srv.port());
  ASSERT_TRUE(first->handshake());
  RawClient second(srv.port());
  EXPECT_FALSE(second.handshake());
  second.close();
  first.reset();
  expect_closed(srv, sluice::CloseReason::refused, 1);
  EXPECT_EQ(closed_for(srv.stats(), sluice::CloseReason::socket_error), 1u)
      << "the admitted client vanished without a close frame";
}

TEST(CloseReasons, DeadlinesCountAsIdleAndHandshakeTimeout) {
  sluice::ServerOptions o = test_options();
  o.idle_timeout = milliseconds(300);
  o.ping_interval = milliseconds(0);
  o.handshake_timeout = milliseconds(300);
  o.close_timeout = milliseconds(100);
  Tally tally;
  ServerThread srv(o, echo_behaviors(tally));
  RawClient silent(srv.port());
  ASSERT_TRUE(silent.handshake());
  RawClient half(srv.port());
  ASSERT_TRUE(half.send_raw("GET / HTTP/1.1\r\n"));
  EXPECT_EQ(silent.drain_until_closed(kWait), ReadStatus::ok);
  EXPECT_EQ(half.drain_until_closed(kWait), ReadStatus::ok);
  expect_closed(srv, sluice::CloseReason::idle, 1);
  EXPECT_EQ(closed_for(srv.stats(), sluice::CloseReason::handshake_timeout), 1u);
}

TEST(CloseReasons, AStoppingServerCountsShutdown) {
  Tally tally;
  auto srv = std::make_unique<ServerThread>(test_options(), echo_behaviors(tally));
  RawClient c(srv->port());
  ASSERT_TRUE(c.handshake());
  sluice::Server& server = srv->server();
  server.stop();
  expect_close_then_eof(c, 1001);
  ASSERT_TRUE(wait_until([&] { return server.stats().connections_closed == 1; }));
  EXPECT_EQ(closed_for(server.stats(), sluice::CloseReason::shutdown), 1u);
}

}  // namespace
}  // namespace sluice_test
