// The workers' once-a-second pass over their connections: Server::connections() ranks the
// connections by bytes queued and describes them through Behaviors::describe; ServerStats
// gains the handshaking and closing counts, the kernel's unsent bytes, and how long a loop has
// gone without the pass (a loop stuck in a callback shows).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "integration_helpers.hpp"

namespace sluice_test {
namespace {

int kStalledTag = 1;
int kReaderTag = 2;

sluice::Behaviors subscribing_behaviors(Tally& tally) {
  sluice::Behaviors b = echo_behaviors(tally);
  b.on_upgrade = [](const sluice::UpgradeRequest& req) {
    return sluice::UpgradeDecision::accept({}, req.path == "/stalled" ? &kStalledTag : &kReaderTag);
  };
  b.on_open = [&tally](sluice::WebSocket ws) {
    tally.opens.fetch_add(1);
    ws.subscribe("feed");
  };
  b.describe = [](sluice::WebSocket ws) {
    return std::string(ws.user_data() == &kStalledTag ? "stalled" : "reader");
  };
  return b;
}

TEST(ConnectionSample, TheConnectionWithTheMostQueuedRanksFirstAndIsDescribed) {
  sluice::ServerOptions o = test_options();
  o.send_buffer_bytes = 8 * 1024;
  o.policy = sluice::SlowConsumerPolicy::drop_newest;
  o.max_buffered_bytes = 256 * 1024;
  Tally tally;
  ServerThread srv(o, subscribing_behaviors(tally));
  RawClient stalled(srv.port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(stalled.handshake("/stalled"));
  RawClient reader(srv.port());
  ASSERT_TRUE(reader.handshake("/reader"));
  RawClient half_open(srv.port());
  ASSERT_TRUE(half_open.send_raw("GET / HTTP/1.1\r\n"));
  ASSERT_TRUE(wait_until([&] { return tally.opens.load() == 2; }));

  const std::string message(4000, 'm');
  for (int i = 0; i < 40; ++i) {
    srv.server().publish("feed", message);
    std::size_t got = 0;
    ASSERT_EQ(reader.read_frames(kWait, [&](std::uint8_t, std::string_view) { return ++got < 1; }),
              ReadStatus::ok);
  }
  // The next pass sees the stalled connection's queue.
  ASSERT_TRUE(wait_until([&] {
    auto rows = srv.server().connections(5);
    return rows.size() == 2 && rows[0].buffered_bytes > 0;
  }));
  const std::vector<sluice::ConnectionInfo> rows = srv.server().connections(5);
  EXPECT_EQ(rows[0].description, "stalled");
  EXPECT_GT(rows[0].kernel_unsent_bytes, 0u);
  EXPECT_EQ(rows[0].peer.rfind("127.0.0.1:", 0), 0u) << rows[0].peer;
  EXPECT_EQ(rows[1].description, "reader");
  EXPECT_EQ(rows[1].buffered_bytes, 0u);
  EXPECT_EQ(rows[1].messages_sent, 40u);
  EXPECT_EQ(srv.server().connections(1).size(), 1u);

  const sluice::ServerStats s = srv.stats();
  EXPECT_GE(s.kernel_unsent_bytes, rows[0].kernel_unsent_bytes);
  EXPECT_EQ(s.connections_handshaking, 1u);
  EXPECT_EQ(s.connections_closing, 0u);
  EXPECT_LT(s.loop_silence_ms, 5000u);
}

TEST(ConnectionSample, ALoopStuckInACallbackShowsInLoopSilence) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  ASSERT_TRUE(wait_until([&] { return srv.stats().loop_silence_ms < 1500; }));
  std::atomic<bool> release{false};
  srv.server().post([&] {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!release.load() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  });
  EXPECT_TRUE(wait_until([&] { return srv.stats().loop_silence_ms > 2500; }, milliseconds(10'000)));
  release = true;
  EXPECT_TRUE(wait_until([&] { return srv.stats().loop_silence_ms < 1500; }, milliseconds(10'000)));
}

}  // namespace
}  // namespace sluice_test
