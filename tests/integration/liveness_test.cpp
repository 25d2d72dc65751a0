// Liveness: a silent client is pinged after ping_interval, and closed with 1001 after
// idle_timeout unless it answers. Times here are upper bounds for hangs, never speed checks;
// a client that answers has idle_timeout - ping_interval (1.3 s) to do so, which a busy
// machine gives it.
#include <gtest/gtest.h>

#include <chrono>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

using Clock = std::chrono::steady_clock;

sluice::ServerOptions liveness_options() {
  sluice::ServerOptions o = test_options();
  o.ping_interval = milliseconds(200);
  o.idle_timeout = milliseconds(1500);
  o.close_timeout = milliseconds(300);
  return o;
}

TEST(Liveness, SilentClientIsPinged) {
  Tally tally;
  sluice::ServerOptions o = liveness_options();
  o.idle_timeout = milliseconds(0);  // never: only the ping is under test
  ServerThread srv(o, echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value()) << "no ping from the server";
  EXPECT_EQ(f->opcode, op::ping);
  EXPECT_TRUE(f->fin);
  EXPECT_LE(f->payload.size(), 125u);
  ASSERT_TRUE(c.send_frame(op::pong, f->payload));
  expect_echo(c, "alive");
  EXPECT_EQ(tally.closes.load(), 0);
}

TEST(Liveness, ClientThatAnswersPingsOutlivesIdleTimeout) {
  Tally tally;
  ServerThread srv(liveness_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  int pings = 0;
  auto end = Clock::now() + milliseconds(3000);  // 2 x idle_timeout
  while (Clock::now() < end) {
    ReadStatus st = ReadStatus::ok;
    auto f = c.read_frame(milliseconds(100), &st);
    if (!f) {
      ASSERT_EQ(st, ReadStatus::timeout) << "connection ended";
      continue;
    }
    ASSERT_EQ(f->opcode, op::ping) << "unexpected frame, payload " << f->payload;
    ++pings;
    ASSERT_TRUE(c.send_frame(op::pong, f->payload));
  }
  EXPECT_GE(pings, 1);
  expect_echo(c, "still open");
  EXPECT_EQ(tally.closes.load(), 0);
}

TEST(Liveness, ClientThatNeverAnswersIsClosedWith1001ThenCut) {
  Tally tally;
  ServerThread srv(liveness_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  int pings = 0;
  std::optional<Frame> close;
  for (int i = 0; i < 10 && !close; ++i) {
    auto f = c.read_frame();
    ASSERT_TRUE(f.has_value()) << "the idle connection was neither pinged nor closed";
    if (f->opcode == op::ping) {
      ++pings;
    } else {
      ASSERT_EQ(f->opcode, op::close);
      close = f;
    }
  }
  ASSERT_TRUE(close.has_value());
  EXPECT_GE(pings, 1) << "closed without a ping first";
  EXPECT_EQ(close->close_code(), 1001);
  // The client does not answer the close either: the server cuts it after close_timeout.
  std::size_t extra = 0;
  EXPECT_EQ(c.wait_eof(kWait, &extra), ReadStatus::ok) << extra << " byte(s) after close";
  ASSERT_TRUE(wait_until([&] { return tally.closes.load() == 1; }));
  EXPECT_EQ(tally.opens.load(), 1);
  // The server goes on serving.
  RawClient fresh(srv.port());
  ASSERT_TRUE(fresh.handshake());
  expect_echo(fresh, "fresh");
}

}  // namespace
}  // namespace sluice_test
