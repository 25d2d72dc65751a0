// Delivery latency: each timed delivery of a published message is counted in the bucket of the
// time it waited between publish and the write that took it. Timing every delivery, each counts
// once per receiver and a receiver that reads late shows in the late buckets; by default about
// one in 16 is timed; with sampling 0 none is.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <numeric>
#include <thread>
#include <vector>

#include "integration_helpers.hpp"

namespace sluice_test {
namespace {

sluice::Behaviors subscribers(Tally& tally) {
  sluice::Behaviors b = echo_behaviors(tally);
  b.on_open = [&tally](sluice::WebSocket ws) {
    ws.subscribe("feed");
    tally.opens.fetch_add(1);
  };
  return b;
}

std::uint64_t counted(const sluice::ServerStats& s) {
  return std::accumulate(s.delivery_latency.begin(), s.delivery_latency.end(), std::uint64_t{0});
}

// The first bucket whose bound is at least `seconds`.
std::size_t bucket_at_least(double seconds) {
  std::size_t k = 0;
  while (k + 1 < sluice::delivery_latency_buckets && sluice::delivery_latency_bound(k) < seconds) ++k;
  return k;
}

void read_messages(RawClient& c, int n) {
  int got = 0;
  ASSERT_EQ(c.read_frames(kWait, [&](std::uint8_t, std::string_view) { return ++got < n; }), ReadStatus::ok);
}

sluice::ServerOptions timing_every_delivery() {
  sluice::ServerOptions o = test_options();
  o.delivery_latency_sampling = 1;
  return o;
}

TEST(DeliveryLatency, EveryDeliveryIsCountedOncePerReceiver) {
  Tally tally;
  ServerThread srv(timing_every_delivery(), subscribers(tally));
  RawClient a(srv.port()), b(srv.port());
  ASSERT_TRUE(a.handshake());
  ASSERT_TRUE(b.handshake());
  ASSERT_TRUE(wait_until([&] { return tally.opens.load() == 2; }));
  for (int i = 0; i < 10; ++i) srv.server().publish("feed", "reading");
  read_messages(a, 10);
  read_messages(b, 10);
  // Counted once write() returns, which may be after the reader already has the bytes.
  ASSERT_TRUE(wait_until([&] { return counted(srv.stats()) == 20u; })) << counted(srv.stats());
  const sluice::ServerStats s = srv.stats();
  EXPECT_EQ(counted(s), 20u);
  EXPECT_GE(s.delivery_latency_seconds, 0.0);
  // A direct send is not a publish.
  expect_echo(a, "not counted");
  EXPECT_EQ(counted(srv.stats()), 20u);
}

TEST(DeliveryLatency, AReceiverThatReadsLateIsCountedInTheLateBuckets) {
  sluice::ServerOptions o = timing_every_delivery();
  o.send_buffer_bytes = 4096;
  o.write_timeout = milliseconds(0);
  Tally tally;
  ServerThread srv(o, subscribers(tally));
  RawClient late(srv.port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(late.handshake());
  ASSERT_TRUE(wait_until([&] { return tally.opens.load() == 1; }));
  const std::string message(8 * 1024, 'x');
  constexpr int kMessages = 32;  // 256 KiB: far more than the two socket buffers hold
  for (int i = 0; i < kMessages; ++i) srv.server().publish("feed", message);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  read_messages(late, kMessages);
  ASSERT_TRUE(wait_until([&] { return counted(srv.stats()) == kMessages; }));
  const sluice::ServerStats s = srv.stats();
  std::uint64_t late_ones = 0;
  for (std::size_t k = bucket_at_least(0.5); k < sluice::delivery_latency_buckets; ++k)
    late_ones += s.delivery_latency[k];
  EXPECT_GE(late_ones, kMessages / 2u) << "the messages queued behind the full socket waited 600 ms";
  EXPECT_GE(s.delivery_latency_seconds, 0.5 * kMessages / 2);
}

TEST(DeliveryLatency, ByDefaultAboutOneDeliveryIn16IsTimed) {
  EXPECT_EQ(sluice::ServerOptions{}.delivery_latency_sampling, 16u);
  Tally tally;
  ServerThread srv(test_options(), subscribers(tally));
  constexpr int kReceivers = 4, kMessages = 400;  // 1,600 deliveries: 100 timed on average
  std::vector<std::unique_ptr<RawClient>> receivers;
  for (int i = 0; i < kReceivers; ++i) {
    receivers.push_back(std::make_unique<RawClient>(srv.port()));
    ASSERT_TRUE(receivers.back()->handshake());
  }
  ASSERT_TRUE(wait_until([&] { return tally.opens.load() == kReceivers; }));
  for (int i = 0; i < kMessages; ++i) {
    srv.server().publish("feed", "reading");
    if (i % 50 == 49)
      for (auto& r : receivers) read_messages(*r, 50);
  }
  const std::uint64_t timed = counted(srv.stats());
  EXPECT_GE(timed, 50u);
  EXPECT_LE(timed, 160u);
}

TEST(DeliveryLatency, NothingIsCountedWithSamplingZero) {
  sluice::ServerOptions o = test_options();
  o.delivery_latency_sampling = 0;
  Tally tally;
  ServerThread srv(o, subscribers(tally));
  RawClient a(srv.port());
  ASSERT_TRUE(a.handshake());
  ASSERT_TRUE(wait_until([&] { return tally.opens.load() == 1; }));
  for (int i = 0; i < 5; ++i) srv.server().publish("feed", "reading");
  read_messages(a, 5);
  EXPECT_EQ(counted(srv.stats()), 0u);
}

TEST(DeliveryLatency, TheBoundsDoubleFrom16Microseconds) {
  EXPECT_DOUBLE_EQ(sluice::delivery_latency_bound(0), 16e-6);
  EXPECT_DOUBLE_EQ(sluice::delivery_latency_bound(10), 16e-6 * 1024);
  EXPECT_NEAR(sluice::delivery_latency_bound(sluice::delivery_latency_buckets - 2), 16.777216, 1e-9);
}

}  // namespace
}  // namespace sluice_test
