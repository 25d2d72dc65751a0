// next_deadline: what a connection's one timer waits for, from an injected clock, its limits
// and its state, with no socket and no loop.
#include "conn/deadlines.hpp"

#include <gtest/gtest.h>

#include "conn/endpoint.hpp"

namespace sluice::detail {
namespace {

using K = Deadline::Kind;
using std::chrono::milliseconds;

Limits limits() {
  Limits l;
  l.connect_timeout = milliseconds(3000);
  l.handshake_timeout = milliseconds(2000);
  l.keep_alive_timeout = milliseconds(1500);
  l.write_timeout = milliseconds(4000);
  l.idle_timeout = milliseconds(9000);
  l.ping_interval = milliseconds(5000);
  l.close_timeout = milliseconds(1000);
  return l;
}

DeadlineInputs at(ConnState state, std::uint32_t now) {
  DeadlineInputs in;
  in.state = state;
  in.now = now;
  in.last_heard = in.last_progress = in.phase_since = 1000;
  return in;
}

TEST(Deadlines, HandshakeCountsFromTheStartOfThePhaseNotFromTheLastByte) {
  DeadlineInputs in = at(ConnState::handshaking, 1500);
  in.last_heard = 1499;  // a slow client dripping bytes does not move it
  Deadline d = next_deadline(limits(), in);
  EXPECT_EQ(d.kind, K::handshake);
  EXPECT_EQ(d.in_ms, 1500u);
  in.now = 3000;
  EXPECT_TRUE(next_deadline(limits(), in).due());
}

TEST(Deadlines, AKeptAliveConnectionWaitsKeepAliveTimeoutForItsNextRequest) {
  DeadlineInputs in = at(ConnState::handshaking, 1000);
  in.kept_alive = true;
  EXPECT_EQ(next_deadline(limits(), in).kind, K::keep_alive);
  EXPECT_EQ(next_deadline(limits(), in).in_ms, 1500u);
}

TEST(Deadlines, AClientConnectingWaitsConnectTimeout) {
  DeadlineInputs in = at(ConnState::connecting, 1000);
  in.role = Role::client;
  EXPECT_EQ(next_deadline(limits(), in).kind, K::connect);
  EXPECT_EQ(next_deadline(limits(), in).in_ms, 3000u);
}

TEST(Deadlines, AnOpenConnectionWaitsForTheEarliestOfPingIdleAndWrite) {
  DeadlineInputs in = at(ConnState::open, 1000);
  EXPECT_EQ(next_deadline(limits(), in).kind, K::ping);  // 5 s before idle's 9 s
  in.write_waiting = true;
  EXPECT_EQ(next_deadline(limits(), in).kind, K::write);  // 4 s
  in.write_waiting = false;
  in.ping_outstanding = true;
  EXPECT_EQ(next_deadline(limits(), in).kind, K::idle);
  EXPECT_EQ(next_deadline(limits(), in).in_ms, 9000u);
}

TEST(Deadlines, AmongSeveralDueTheWriteDeadlineComesFirstThenIdle) {
  DeadlineInputs in = at(ConnState::open, 60'000);
  in.write_waiting = true;
  Deadline d = next_deadline(limits(), in);
  EXPECT_TRUE(d.due());
  EXPECT_EQ(d.kind, K::write);
  in.write_waiting = false;
  EXPECT_EQ(next_deadline(limits(), in).kind, K::idle);
}

TEST(Deadlines, ALimitOfZeroIsNeverDue) {
  Limits l = limits();
  l.ping_interval = milliseconds(0);
  l.idle_timeout = milliseconds(0);
  DeadlineInputs in = at(ConnState::open, 1'000'000);
  EXPECT_EQ(next_deadline(l, in).kind, K::none);
}

TEST(Deadlines, EveryClosingStateWaitsCloseTimeoutFromItsStart) {
  for (ConnState s : {ConnState::closing, ConnState::draining, ConnState::half_closed}) {
    Deadline d = next_deadline(limits(), at(s, 1200));
    EXPECT_EQ(d.kind, K::close);
    EXPECT_EQ(d.in_ms, 800u);
  }
  EXPECT_EQ(next_deadline(limits(), at(ConnState::closed, 1200)).kind, K::none);
}

TEST(Deadlines, TheClockMayWrapAround32Bits) {
  DeadlineInputs in = at(ConnState::open, 4000);
  in.last_heard = 0xFFFFF000u;  // 4096 ms before the wrap, 8096 ms ago
  in.ping_outstanding = true;
  EXPECT_EQ(next_deadline(limits(), in).in_ms, 904u);
}

}  // namespace
}  // namespace sluice::detail
