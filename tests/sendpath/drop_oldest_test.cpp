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

  // Reading now: a gap-free prefix (what the kernel took before the first drop), then the
  // dropped oldest as gaps, then a gap-free run up to the newest message: the queue, which
  // only ever lost its oldest. (How many gaps depends on when the kernel took more bytes, which
  // a busy machine decides; so does the exact length of that run.)
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
  const std::uint64_t prefix = sent_before_first_drop(sent);
  ASSERT_LE(prefix, got.size());
  for (std::uint64_t i = 0; i < prefix; ++i) ASSERT_EQ(got[i], i) << "the kernel's share has a gap";
  EXPECT_GE(gaps, 1) << "nothing was dropped from the middle";
  // Half a queue's worth of the newest messages, whatever a queued frame is charged.
  const std::size_t newest = kCap / wire_size(kPayload) / 2;
  ASSERT_GE(got.size(), newest);
  for (std::size_t k = 0; k < newest; ++k)
    EXPECT_EQ(got[got.size() - 1 - k], last - k) << "a recent message was dropped instead of an older one";
  ASSERT_TRUE(srv.on_loop([&] { conn().send_text("end"); }));
  auto f = stalled.read_frame();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "end");
}

}  // namespace
}  // namespace sluice_test
