// drop_newest: at the cap the new message is refused (SendStatus::dropped) and counted; what was
// accepted stays queued and reaches the client intact and in order once it reads.
#include <gtest/gtest.h>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

constexpr std::size_t kCap = 64 * 1024;
constexpr std::size_t kPayload = 1000;

sluice::ServerOptions drop_newest_options() {
  sluice::ServerOptions o = base_options();
  o.max_buffered_bytes = kCap;
  o.low_watermark = kCap / 4;
  o.policy = sluice::SlowConsumerPolicy::drop_newest;
  o.send_buffer_bytes = 8192;  // the kernel fills quickly behind a stalled peer
  o.write_timeout = milliseconds(0);
  return o;
}

TEST(DropNewest, RefusesAtTheCapCountsTheDropsAndDeliversEveryAcceptedMessage) {
  Record rec;
  ServerThread srv(drop_newest_options(), recording(rec));
  RawClient stalled(srv.port(), 4096);
  ASSERT_TRUE(stalled.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  auto conn = [&] { return rec.open.front(); };
  auto send = [&](std::uint64_t, std::string_view m) { return conn().send(m); };
  std::vector<Sent> sent = pump(
      srv, conn, send, kPayload,
      [](const std::vector<Sent>& v) { return count(v, sluice::SendStatus::dropped) >= 100; }, 20000, 4);

  ASSERT_GE(count(sent, sluice::SendStatus::dropped), 100) << "the cap was never reached";
  EXPECT_EQ(sent.front().status, sluice::SendStatus::sent);
  EXPECT_GT(count(sent, sluice::SendStatus::queued), 0);
  EXPECT_EQ(count(sent, sluice::SendStatus::closed) + count(sent, sluice::SendStatus::would_block), 0);
  std::vector<std::uint64_t> accepted;
  std::size_t max_buffered = 0;
  for (const Sent& s : sent) {
    max_buffered = std::max(max_buffered, s.buffered);
    if (s.status == sluice::SendStatus::sent || s.status == sluice::SendStatus::queued)
      accepted.push_back(s.seq);
  }
  EXPECT_LE(max_buffered, kCap) << "buffered_amount() passed the cap";

  const std::uint64_t dropped = static_cast<std::uint64_t>(count(sent, sluice::SendStatus::dropped));
  sluice::ConnectionStats cs = srv.ask([&] { return conn().stats(); });
  EXPECT_EQ(cs.messages_dropped, dropped);
  EXPECT_EQ(cs.bytes_dropped, dropped * wire_size(kPayload));
  EXPECT_LE(cs.buffered_high_water, kCap);
  sluice::ServerStats ss = srv.stats();
  EXPECT_EQ(ss.messages_dropped, dropped);
  EXPECT_EQ(ss.messages_dropped_by_policy[static_cast<std::size_t>(sluice::SlowConsumerPolicy::drop_newest)],
            dropped);
  EXPECT_EQ(ss.bytes_dropped, dropped * wire_size(kPayload));
  EXPECT_EQ(ss.connections_closed_by_policy, 0u);

  // The client reads now: exactly the accepted messages, in order, then a marker.
  std::size_t got = 0;
  ReadStatus r = stalled.read_frames(kWait, [&](std::uint8_t, std::string_view p) {
    EXPECT_EQ(seq_of(p), accepted[got]) << "message " << got;
    EXPECT_TRUE(intact(p));
    return ++got < accepted.size();
  });
  ASSERT_EQ(r, ReadStatus::ok) << got << " of " << accepted.size();
  ASSERT_TRUE(srv.on_loop([&] { conn().send_text("end"); }));
  auto f = stalled.read_frame();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "end") << "a dropped message was delivered";
  EXPECT_EQ(srv.ask([&] { return conn().buffered_amount(); }), 0u);
}

TEST(DropNewest, AMessageLargerThanTheCapStillFitsAnEmptyQueue) {
  Record rec;
  ServerThread srv(drop_newest_options(), recording(rec));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  std::string big = numbered(7, 3 * kCap);
  sluice::SendStatus st{};
  ASSERT_TRUE(srv.on_loop([&] { st = rec.open.front().send(big); }));
  EXPECT_EQ(st, sluice::SendStatus::sent);
  auto f = c.read_frame();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, big);
}

}  // namespace
}  // namespace sluice_test
