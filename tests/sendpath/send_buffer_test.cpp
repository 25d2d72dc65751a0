// The kernel's share: send_buffer_bytes (per server, or per topic for its subscribers) caps
// SO_SNDBUF, so what Linux holds behind a stalled peer (SIOCOUTQ, ConnectionStats::
// kernel_unsent_bytes) stays near the configured size instead of growing to tcp_wmem's max.
#include <gtest/gtest.h>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

constexpr std::size_t kPayload = 4000;
constexpr int kSndBuf = 16384;

// Stalls one client behind `options` (subscribed to "capped" when `via_topic`), sends until
// bytes wait in user space, and returns the connection's stats at that point.
sluice::ConnectionStats stalled_stats(sluice::ServerOptions o, bool via_topic) {
  o.max_buffered_bytes = 1024 * 1024;
  o.policy = sluice::SlowConsumerPolicy::drop_newest;
  o.write_timeout = milliseconds(0);
  Record rec;
  sluice::Behaviors more;
  if (via_topic) more.on_open = [](sluice::WebSocket ws) { ws.subscribe("capped"); };
  ServerThread srv(o, recording(rec, more), [&](sluice::Server& s) {
    if (via_topic)
      s.topic("capped", {.policy = std::nullopt, .send_buffer_bytes = kSndBuf, .compression = std::nullopt});
  });
  RawClient stalled(srv.port(), 4096);
  EXPECT_TRUE(stalled.handshake());
  EXPECT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  sluice::WebSocket ws = srv.ask([&] { return rec.open.front(); });
  std::vector<Sent> sent = pump(
      srv, [ws] { return ws; }, [ws](std::uint64_t, std::string_view m) mutable { return ws.send(m); },
      kPayload, [](const std::vector<Sent>& v) { return count(v, sluice::SendStatus::queued) >= 16; }, 5000,
      2);
  EXPECT_GE(count(sent, sluice::SendStatus::queued), 16) << "the socket never filled";
  // Let the kernel settle (it may take a last segment), then look.
  std::this_thread::sleep_for(milliseconds(100));
  return srv.ask([&] { return ws.stats(); });
}

TEST(SendBuffer, ServerSendBufferBytesBoundsWhatTheKernelHoldsBehindAStalledPeer) {
  sluice::ServerOptions capped = base_options();
  capped.send_buffer_bytes = kSndBuf;
  sluice::ConnectionStats with_cap = stalled_stats(capped, false);
  sluice::ConnectionStats by_default = stalled_stats(base_options(), false);
  std::printf("kernel_unsent_bytes behind a stalled peer: %zu with send_buffer_bytes=%d, %zu by default\n",
              with_cap.kernel_unsent_bytes, kSndBuf, by_default.kernel_unsent_bytes);
  EXPECT_GT(with_cap.kernel_unsent_bytes, 0u);
  // Linux doubles SO_SNDBUF for its own bookkeeping; the payload it holds stays below that.
  EXPECT_LE(with_cap.kernel_unsent_bytes, 2u * kSndBuf);
  EXPECT_GT(by_default.kernel_unsent_bytes, with_cap.kernel_unsent_bytes);
  EXPECT_GT(with_cap.buffered_bytes, 0u);
}

TEST(SendBuffer, TopicSendBufferBytesAppliesToItsSubscribers) {
  sluice::ConnectionStats via_topic = stalled_stats(base_options(), true);
  std::printf("kernel_unsent_bytes behind a stalled subscriber of a capped topic: %zu\n",
              via_topic.kernel_unsent_bytes);
  EXPECT_GT(via_topic.kernel_unsent_bytes, 0u);
  EXPECT_LE(via_topic.kernel_unsent_bytes, 2u * kSndBuf);
}

}  // namespace
}  // namespace sluice_test
