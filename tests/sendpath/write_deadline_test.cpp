// The write deadline: a connection whose queued bytes make no progress for write_timeout is
// closed by policy (1008), and the stalled client's TCP connection ends.
#include <gtest/gtest.h>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

constexpr std::size_t kPayload = 1000;

sluice::ServerOptions deadline_options(milliseconds write_timeout) {
  sluice::ServerOptions o = base_options();
  o.max_buffered_bytes = 1024 * 1024;
  o.policy = sluice::SlowConsumerPolicy::drop_newest;  // the cap alone never closes anyone
  o.send_buffer_bytes = 8192;
  o.write_timeout = write_timeout;
  o.close_timeout = milliseconds(500);
  return o;
}

// Sends until some bytes wait in the queue (the socket is full), then stops.
void stall(ServerThread& srv, Record& rec) {
  sluice::WebSocket ws = srv.ask([&] { return rec.open.front(); });
  std::vector<Sent> sent = pump(
      srv, [ws] { return ws; }, [ws](std::uint64_t, std::string_view m) mutable { return ws.send(m); },
      kPayload, [](const std::vector<Sent>& v) { return count(v, sluice::SendStatus::queued) >= 8; }, 20000,
      2);
  ASSERT_GE(count(sent, sluice::SendStatus::queued), 8);
}

TEST(WriteDeadline, AQueueThatMakesNoProgressIsClosedByPolicyAndTheClientSeesTheEnd) {
  Record rec;
  ServerThread srv(deadline_options(milliseconds(500)), recording(rec));
  RawClient stalled(srv.port(), 4096);
  ASSERT_TRUE(stalled.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  ASSERT_NO_FATAL_FAILURE(stall(srv, rec));
  ASSERT_TRUE(wait_until([&] { return srv.stats().connections_closed_by_policy == 1; }, milliseconds(10'000)))
      << "the write deadline never closed the connection";
  ASSERT_TRUE(wait_until([&] { return rec.closes.load() == 1; }, milliseconds(10'000)));
  std::optional<Frame> close_frame;
  EXPECT_EQ(stalled.drain_until_closed(kWait, nullptr, &close_frame), ReadStatus::ok) << "no EOF";
  if (close_frame) {
    EXPECT_EQ(close_frame->close_code(), sluice::close_code::policy_violation);
  }
  EXPECT_EQ(srv.stats().connections_open, 0u);
  EXPECT_EQ(srv.stats().buffered_bytes, 0u);
}

TEST(WriteDeadline, ZeroDisablesTheDeadline) {
  Record rec;
  ServerThread srv(deadline_options(milliseconds(0)), recording(rec));
  RawClient stalled(srv.port(), 4096);
  ASSERT_TRUE(stalled.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  ASSERT_NO_FATAL_FAILURE(stall(srv, rec));
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(srv.stats().connections_closed_by_policy, 0u);
  EXPECT_EQ(rec.closes.load(), 0);
}

TEST(WriteDeadline, ASlowReaderThatKeepsMakingProgressIsNotClosed) {
  Record rec;
  ServerThread srv(deadline_options(milliseconds(2000)), recording(rec));
  RawClient slow(srv.port(), 4096);
  ASSERT_TRUE(slow.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  ASSERT_NO_FATAL_FAILURE(stall(srv, rec));
  // Read a little every 100 ms for 3 s or more: the queue moves, so the 2 s deadline never
  // passes, even when a busy machine stretches a round twentyfold.
  std::uint64_t expect = 0;
  for (int round = 0; round < 30; ++round) {
    std::this_thread::sleep_for(milliseconds(100));
    int n = 0;
    slow.read_frames(milliseconds(50), [&](std::uint8_t, std::string_view p) {
      EXPECT_EQ(seq_of(p), expect++);
      return ++n < 2;
    });
  }
  EXPECT_EQ(srv.stats().connections_closed_by_policy, 0u);
  EXPECT_EQ(rec.closes.load(), 0);
}

}  // namespace
}  // namespace sluice_test
