// Slowloris: a client that never finishes its request is cut at handshake_timeout, however it
// trickles, while clients that complete their handshake are served and not cut.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

using Clock = std::chrono::steady_clock;

sluice::ServerOptions slowloris_options() {
  sluice::ServerOptions o = test_options();
  o.handshake_timeout = milliseconds(300);
  return o;
}

TEST(Slowloris, StalledHalfRequestIsDisconnected) {
  Tally tally;
  ServerThread srv(slowloris_options(), echo_behaviors(tally));
  RawClient good(srv.port());
  ASSERT_TRUE(good.handshake());

  RawClient stalled(srv.port());
  ASSERT_TRUE(stalled.send_raw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: web"));
  // Upper bound only: the deadline is 300 ms; anything within kWait is fine.
  EXPECT_NE(stalled.drain_until_closed(), ReadStatus::timeout) << "stalled client still connected";

  // A client that completes its handshake meanwhile is served, and the upgraded one, now
  // older than handshake_timeout, is not cut by it.
  RawClient late(srv.port());
  ASSERT_TRUE(late.handshake());
  expect_echo(late, "late");
  expect_echo(good, "good");
  EXPECT_EQ(tally.opens.load(), 2);
  EXPECT_EQ(tally.messages.load(), 2);
  EXPECT_EQ(tally.closes.load(), 0);
}

TEST(Slowloris, TricklingBytesDoesNotExtendTheDeadline) {
  Tally tally;
  ServerThread srv(slowloris_options(), echo_behaviors(tally));
  RawClient good(srv.port());
  ASSERT_TRUE(good.handshake());

  RawClient trickle(srv.port());
  std::string req = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(1000, 'a');
  auto start = Clock::now();
  bool cut = false;
  // One byte every 20 ms (or slower) would take over 20 s to send; the server must cut it long
  // before, and kWait is already 30 times the deadline.
  for (std::size_t i = 0; i < req.size() && Clock::now() - start < kWait; ++i) {
    if (!trickle.send_raw(std::string_view(req).substr(i, 1), milliseconds(200))) {
      cut = true;
      break;
    }
    if (trickle.drain_until_closed(milliseconds(20)) != ReadStatus::timeout) {
      cut = true;
      break;
    }
  }
  EXPECT_TRUE(cut) << "a trickling client kept its half-done handshake alive";
  expect_echo(good, "still served");
  EXPECT_EQ(tally.opens.load(), 1);
  EXPECT_EQ(tally.closes.load(), 0);
}

TEST(Slowloris, ConnectionThatSendsNothingIsDisconnected) {
  Tally tally;
  ServerThread srv(slowloris_options(), echo_behaviors(tally));
  RawClient good(srv.port());
  ASSERT_TRUE(good.handshake());
  RawClient silent(srv.port());
  ASSERT_TRUE(silent.connected());
  EXPECT_EQ(silent.wait_eof(), ReadStatus::ok);
  expect_echo(good, "ok");
  EXPECT_EQ(tally.closes.load(), 0);
}

}  // namespace
}  // namespace sluice_test
