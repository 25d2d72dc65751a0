// drop_oldest: at the cap the new message is accepted and the oldest unsent ones are dropped to
// make room; the client, once it reads, gets what the kernel already held and then the newest.
#include <gtest/gtest.h>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

constexpr std::size_t kCap = 64 * 1024;
constexpr std::size_t kPayload = 1000;

TEST(DropOldest, AcceptsTheNewMessageDropsTheOldestUnsentAndTheCountsMatch) {
  sluice::ServerOptions o = base_options();
  o.max_buffered_bytes = kCap;
  o.low_watermark = kCap / 4;
  o.policy = sluice::SlowConsumerPolicy::drop_oldest;
  o.send_buffer_bytes = 8192;
  o.write_timeout = milliseconds(0);
  Record rec;
  ServerThread srv(o, recording(rec));
  RawClient stalled(srv.port(), 4096);
  ASSERT_TRUE(stalled.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  auto conn = [&] { return rec.open.front(); };
  auto send = [&](std::uint64_t, std::string_view m) { return conn().send(m); };
  std::vector<Sent> sent = pump(
      srv, conn, send, kPayload,
      [](const std::vector<Sent>& v) { return !v.empty() && v.back().dropped_so_far >= 200; }, 20000, 4);
  ASSERT_FALSE(sent.empty());
  const std::uint64_t dropped = sent.back().dropped_so_far;
  ASSERT_GE(dropped, 200u) << "the cap was never reached";
  EXPECT_EQ(sent.front().status, sluice::SendStatus::sent);
  for (const Sent& s : sent) {
    ASSERT_TRUE(s.status == sluice::SendStatus::sent || s.status == sluice::SendStatus::queued)
        << "send " << s.seq << ": " << sluice::to_string(s.status);
    ASSERT_LE(s.buffered, kCap) << "after send " << s.seq;
  }
  sluice::ServerStats ss = srv.stats();
  EXPECT_EQ(ss.messages_dropped, dropped);
  EXPECT_EQ(ss.bytes_dropped, dropped * wire_size(kPayload));

  // Reading now: a gap-free prefix (what the kernel held, and a frame it had started), then one
  // gap (the dropped oldest), then a gap-free run up to the newest message.
  const std::uint64_t last = sent.back().seq;
  std::vector<std::uint64_t> got;
  ReadStatus r = stalled.read_frames(kWait, [&](std::uint8_t, std::string_view p) {
    EXPECT_TRUE(intact(p));
    got.push_back(seq_of(p));
    return got.back() != last;
  });
  ASSERT_EQ(r, ReadStatus::ok) << "the newest message never arrived; got " << got.size();
  EXPECT_EQ(got.size() + dropped, sent.size());
  int gaps = 0;
  for (std::size_t i = 1; i < got.size(); ++i) {
    ASSERT_GT(got[i], got[i - 1]) << "out of order at " << i;
    if (got[i] != got[i - 1] + 1) ++gaps;
  }
  EXPECT_EQ(got.front(), 0u);
  EXPECT_EQ(gaps, 1) << "the dropped messages are not one run of the oldest unsent";
  ASSERT_TRUE(srv.on_loop([&] { conn().send_text("end"); }));
  auto f = stalled.read_frame();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "end");
}

}  // namespace
}  // namespace sluice_test
