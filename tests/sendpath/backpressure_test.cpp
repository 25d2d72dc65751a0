// backpressure: at the cap a send is refused with would_block and nothing is queued; on_drain
// fires once the client has read enough, the producer resumes, and no message it kept is lost.
#include <gtest/gtest.h>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

constexpr std::size_t kCap = 64 * 1024;
constexpr std::size_t kPayload = 1000;

sluice::ServerOptions backpressure_options() {
  sluice::ServerOptions o = base_options();
  o.max_buffered_bytes = kCap;
  o.low_watermark = kCap / 4;
  o.policy = sluice::SlowConsumerPolicy::backpressure;
  o.send_buffer_bytes = 8192;
  o.write_timeout = milliseconds(0);
  return o;
}

TEST(Backpressure, RefusesWithWouldBlockAtTheCapThenDrainLetsTheProducerResumeWithoutLoss) {
  Record rec;
  ServerThread srv(backpressure_options(), recording(rec));
  RawClient stalled(srv.port(), 4096);
  ASSERT_TRUE(stalled.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  auto conn = [&] { return rec.open.front(); };
  auto send = [&](std::uint64_t, std::string_view m) { return conn().send(m); };
  std::vector<Sent> sent = pump(
      srv, conn, send, kPayload,
      [](const std::vector<Sent>& v) { return count(v, sluice::SendStatus::would_block) >= 10; }, 20000, 2);
  const int refused = count(sent, sluice::SendStatus::would_block);
  ASSERT_GE(refused, 10) << "the cap was never reached";
  EXPECT_EQ(sent.front().status, sluice::SendStatus::sent);
  EXPECT_EQ(count(sent, sluice::SendStatus::dropped) + count(sent, sluice::SendStatus::closed), 0);
  // The producer keeps the refused messages: it resends them, in order, after on_drain.
  std::vector<std::uint64_t> kept;
  for (const Sent& s : sent) {
    ASSERT_LE(s.buffered, kCap);
    if (s.status != sluice::SendStatus::would_block) kept.push_back(s.seq);
  }
  EXPECT_EQ(srv.stats().sends_refused, static_cast<std::uint64_t>(refused));
  EXPECT_EQ(srv.stats().messages_dropped, 0u);
  EXPECT_EQ(rec.drains.load(), 0);

  // The client reads what was accepted; the queue falls below the low watermark: on_drain.
  std::size_t got = 0;
  ReadStatus r = stalled.read_frames(kWait, [&](std::uint8_t, std::string_view p) {
    EXPECT_EQ(seq_of(p), kept[got]);
    return ++got < kept.size();
  });
  ASSERT_EQ(r, ReadStatus::ok) << got << " of " << kept.size();
  ASSERT_TRUE(wait_until([&] { return rec.drains.load() >= 1; })) << "on_drain never fired";
  EXPECT_EQ(rec.drains.load(), 1);

  // Resume: the refused messages, then the rest of the stream, all accepted by a reading client.
  std::vector<std::uint64_t> resend;
  for (const Sent& s : sent)
    if (s.status == sluice::SendStatus::would_block) resend.push_back(s.seq);
  std::vector<sluice::SendStatus> statuses;
  ASSERT_TRUE(srv.on_loop([&] {
    for (std::uint64_t s : resend) statuses.push_back(conn().send(numbered(s, kPayload)));
  }));
  for (auto st : statuses) EXPECT_EQ(st, sluice::SendStatus::sent);
  got = 0;
  r = stalled.read_frames(kWait, [&](std::uint8_t, std::string_view p) {
    EXPECT_EQ(seq_of(p), resend[got]);
    return ++got < resend.size();
  });
  ASSERT_EQ(r, ReadStatus::ok);
}

// The usual producer: send until would_block, continue from on_drain. A reading client gets
// the whole stream in order; on_drain never runs inside the producer's own send() call.
TEST(Backpressure, AProducerDrivenByOnDrainDeliversTheWholeStreamInOrder) {
  constexpr std::uint64_t kTotal = 3000;
  struct Producer {
    std::uint64_t next = 0;
    std::uint64_t refused = 0;
    bool in_send = false;
    int drains_inside_send = 0;
    std::atomic<bool> finished{false};
    void run(sluice::WebSocket ws) {
      while (next < kTotal) {
        in_send = true;
        sluice::SendStatus st = ws.send(numbered(next, kPayload));
        in_send = false;
        if (st == sluice::SendStatus::would_block) {
          ++refused;
          return;
        }
        EXPECT_TRUE(st == sluice::SendStatus::sent || st == sluice::SendStatus::queued)
            << sluice::to_string(st);
        ++next;
      }
      finished = true;
    }
  } producer;
  Record rec;
  sluice::Behaviors more;
  more.on_drain = [&](sluice::WebSocket ws) {
    if (producer.in_send) ++producer.drains_inside_send;
    producer.run(ws);
  };
  ServerThread srv(backpressure_options(), recording(rec, more));
  RawClient c(srv.port(), 4096);
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  ASSERT_TRUE(srv.on_loop([&] { producer.run(rec.open.front()); }));

  std::uint64_t got = 0;
  ReadStatus r = c.read_frames(kWait, [&](std::uint8_t, std::string_view p) {
    EXPECT_EQ(seq_of(p), got);
    EXPECT_TRUE(intact(p));
    return ++got < kTotal;
  });
  ASSERT_EQ(r, ReadStatus::ok) << got << " of " << kTotal;
  ASSERT_TRUE(wait_until([&] { return producer.finished.load(); }));
  std::uint64_t refused = 0;
  int inside = -1;
  ASSERT_TRUE(srv.on_loop([&] {
    refused = producer.refused;
    inside = producer.drains_inside_send;
  }));
  EXPECT_GE(refused, 1u) << "the stream never hit the cap";
  EXPECT_EQ(srv.stats().sends_refused, refused);
  EXPECT_GE(static_cast<std::uint64_t>(rec.drains.load()), refused) << "a refusal without a later on_drain";
  EXPECT_EQ(srv.stats().messages_dropped, 0u);
  EXPECT_EQ(inside, 0) << "on_drain ran inside the producer's own send()";
}

}  // namespace
}  // namespace sluice_test
