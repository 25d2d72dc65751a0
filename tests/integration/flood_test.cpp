// A peer that sends but never reads: whatever it makes the server answer (pongs, echoes) is
// counted and capped, it is dealt with by its policy, and other connections are unaffected.
#include <gtest/gtest.h>

#include <string>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

constexpr std::size_t kCap = 64 * 1024;

sluice::ServerOptions flood_options(sluice::SlowConsumerPolicy policy) {
  sluice::ServerOptions o = test_options();
  o.policy = policy;
  o.max_buffered_bytes = kCap;
  o.low_watermark = 8 * 1024;
  o.send_buffer_bytes = 4096;
  o.write_timeout = milliseconds(0);
  return o;
}

// Sends `frame` repeatedly without reading, until `total` bytes went out or the socket stops
// taking them (the server stopped reading); returns the bytes sent.
std::size_t flood(RawClient& c, const std::string& one, std::size_t total) {
  std::string batch;
  while (batch.size() < 16 * 1024) batch += one;
  std::size_t sent = 0;
  while (sent < total && c.send_raw(batch, milliseconds(300))) sent += batch.size();
  return sent;
}

TEST(Flood, PingsFromANonReaderKeepItsQueueCapped) {
  Tally tally;
  ServerThread srv(flood_options(sluice::SlowConsumerPolicy::close), echo_behaviors(tally));
  RawClient good(srv.port());
  ASSERT_TRUE(good.handshake());
  RawClient flooder(srv.port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(flooder.handshake());
  std::size_t sent = flood(flooder, frame(op::ping, std::string(125, 'p')), 4 * 1024 * 1024);
  EXPECT_GT(sent, 2 * kCap) << "the flood was too small to test anything";
  expect_echo(good, "unaffected");
  sluice::ServerStats s = srv.server().stats();
  // Pongs bypass the cap, but reading stops once the queue reaches it: at most one read's
  // worth of pongs (64 KiB of pings) beyond the cap.
  EXPECT_LE(s.buffered_high_water, 2 * kCap + 4096) << "pongs queued without bound";
  EXPECT_EQ(s.connections_open, 2u);
}

TEST(Flood, EchoesToANonReaderCloseItWith1008UnderClosePolicy) {
  Tally tally;
  ServerThread srv(flood_options(sluice::SlowConsumerPolicy::close), echo_behaviors(tally));
  RawClient good(srv.port());
  ASSERT_TRUE(good.handshake());
  RawClient flooder(srv.port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(flooder.handshake());
  flood(flooder, frame(op::binary, std::string(1000, 'e')), 4 * 1024 * 1024);
  // The flooder now reads: echoes, then the policy's close frame (or the cut).
  std::optional<Frame> f;
  int frames = 0;
  while ((f = flooder.read_frame()) && f->opcode == op::binary && frames < 100'000) ++frames;
  if (f) {
    ASSERT_EQ(f->opcode, op::close);
    EXPECT_EQ(f->close_code(), 1008);
  }
  EXPECT_NE(flooder.drain_until_closed(), ReadStatus::timeout);
  expect_echo(good, "unaffected");
  EXPECT_TRUE(wait_until([&] { return srv.server().stats().connections_open == 1; }));
  EXPECT_GE(srv.server().stats().connections_closed_by_policy, 1u);
  EXPECT_LE(srv.server().stats().buffered_high_water, kCap + 1000 + 14 + 4096);
}

}  // namespace
}  // namespace sluice_test
