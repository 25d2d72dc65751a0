// Counters: ServerStats and ConnectionStats agree with what the clients received and with the
// outcome of every send: messages and bytes sent, dropped, buffered, and the high-water mark.
#include <gtest/gtest.h>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

TEST(Counters, SentCountsMatchWhatAReadingClientReceived) {
  Record rec;
  ServerThread srv(base_options(), recording(rec));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  const std::uint64_t wire_before = c.bytes_received();
  // Read on the loop, after the turn that flushed the 101 response has finished counting it.
  const sluice::ServerStats before = srv.ask([&] { return srv.server().stats(); });
  constexpr int kMessages = 500;
  std::size_t total = 0;
  for (int batch = 0; batch < 10; ++batch) {
    ASSERT_TRUE(srv.on_loop([&] {
      for (int i = 0; i < kMessages / 10; ++i) {
        int n = batch * (kMessages / 10) + i;
        std::string m = numbered(n, 1 + (n * 37) % 70000);  // 1 B .. 70 KB: every length form
        EXPECT_EQ(rec.open.front().send(m), sluice::SendStatus::sent);
        total += wire_size(m.size());
      }
    }));
  }
  int got = 0;
  ASSERT_EQ(c.read_frames(kWait,
                          [&](std::uint8_t, std::string_view p) {
                            EXPECT_EQ(seq_of(p), static_cast<std::uint64_t>(got));
                            return ++got < kMessages;
                          }),
            ReadStatus::ok);
  EXPECT_EQ(c.bytes_received() - wire_before, total);
  ASSERT_TRUE(wait_until([&] { return srv.stats().buffered_bytes == 0; }));
  sluice::ServerStats after = srv.stats();
  EXPECT_EQ(after.messages_sent - before.messages_sent, static_cast<std::uint64_t>(kMessages));
  EXPECT_EQ(after.bytes_sent - before.bytes_sent, total);
  EXPECT_EQ(after.messages_dropped, 0u);
  EXPECT_EQ(after.bytes_dropped, 0u);
  EXPECT_EQ(after.connections_open, 1u);
  EXPECT_EQ(after.connections_accepted, 1u);
  sluice::ConnectionStats cs = srv.ask([&] { return rec.open.front().stats(); });
  EXPECT_EQ(cs.messages_sent, static_cast<std::uint64_t>(kMessages));
  EXPECT_EQ(cs.bytes_sent, total);
  EXPECT_EQ(cs.buffered_bytes, 0u);
  EXPECT_GT(cs.buffered_high_water, 0u);
  EXPECT_LE(cs.buffered_high_water, total);
  EXPECT_GE(after.buffered_high_water, cs.buffered_high_water);
}

TEST(Counters, BehindAStalledPeerSentPlusBufferedIsWhatWasAcceptedAndDropsAreCounted) {
  constexpr std::size_t kCap = 64 * 1024;
  constexpr std::size_t kPayload = 3000;
  sluice::ServerOptions o = base_options();
  o.max_buffered_bytes = kCap;
  o.policy = sluice::SlowConsumerPolicy::drop_newest;
  o.send_buffer_bytes = 8192;
  o.write_timeout = milliseconds(0);
  Record rec;
  ServerThread srv(o, recording(rec));
  RawClient stalled(srv.port(), 4096);
  ASSERT_TRUE(stalled.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  const std::uint64_t wire_before = stalled.bytes_received();
  sluice::WebSocket ws = srv.ask([&] { return rec.open.front(); });
  std::vector<Sent> sent = pump(
      srv, [ws] { return ws; }, [ws](std::uint64_t, std::string_view m) mutable { return ws.send(m); },
      kPayload, [](const std::vector<Sent>& v) { return count(v, sluice::SendStatus::dropped) >= 20; }, 20000,
      3);
  const std::uint64_t accepted = sent.size() - count(sent, sluice::SendStatus::dropped);
  const std::uint64_t dropped = count(sent, sluice::SendStatus::dropped);
  std::size_t max_buffered = 0;
  for (const Sent& s : sent) max_buffered = std::max(max_buffered, s.buffered);

  sluice::ConnectionStats cs = srv.ask([&] { return ws.stats(); });
  EXPECT_EQ(cs.bytes_sent + cs.buffered_bytes, accepted * wire_size(kPayload))
      << "every accepted byte is either sent or buffered";
  EXPECT_EQ(cs.messages_dropped, dropped);
  EXPECT_EQ(cs.bytes_dropped, dropped * wire_size(kPayload));
  EXPECT_GE(cs.buffered_high_water, max_buffered);
  EXPECT_LE(cs.buffered_high_water, kCap);
  sluice::ServerStats ss = srv.stats();
  EXPECT_EQ(ss.buffered_bytes, cs.buffered_bytes);
  EXPECT_EQ(ss.messages_dropped, dropped);
  EXPECT_GE(ss.buffered_high_water, cs.buffered_high_water);

  // Once the client has read everything, sent covers every accepted message.
  std::uint64_t got = 0;
  ASSERT_EQ(stalled.read_frames(kWait, [&](std::uint8_t, std::string_view) { return ++got < accepted; }),
            ReadStatus::ok);
  EXPECT_EQ(stalled.bytes_received() - wire_before, accepted * wire_size(kPayload));
  ASSERT_TRUE(wait_until([&] { return srv.stats().buffered_bytes == 0; }));
  cs = srv.ask([&] { return ws.stats(); });
  EXPECT_EQ(cs.messages_sent, accepted);
  EXPECT_EQ(cs.bytes_sent, accepted * wire_size(kPayload));
  EXPECT_EQ(cs.buffered_bytes, 0u);
}

}  // namespace
}  // namespace sluice_test

namespace sluice_test {
namespace {

// The 101 response travels the send queue, but it is no WebSocket message: neither the
// connection's nor the server's message counters may include it, whatever on_open does.
TEST(Counters, HandshakeResponsesAreNotCountedAsMessagesSent) {
  Record rec;
  sluice::Behaviors more;
  more.on_open = [](sluice::WebSocket ws) { ws.subscribe("t"); };  // touches per-connection state
  ServerThread srv(base_options(), recording(rec, more));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  ASSERT_TRUE(srv.on_loop([&] { rec.open.front().send_text("one"); }));
  auto f = c.read_frame();
  ASSERT_TRUE(f);
  ASSERT_TRUE(wait_until([&] { return srv.stats().buffered_bytes == 0; }));
  sluice::ConnectionStats cs = srv.ask([&] { return rec.open.front().stats(); });
  EXPECT_EQ(cs.messages_sent, 1u) << "bug: the 101 response is counted as a message";
  EXPECT_EQ(cs.bytes_sent, wire_size(3)) << "bug: the 101 response is counted in bytes_sent";
  EXPECT_EQ(srv.stats().messages_sent, 1u) << "bug: the 101 response is counted as a message";
}

}  // namespace
}  // namespace sluice_test
