// Which policy applies: the connection's (WebSocket::set_policy) over the topic's
// (Server::topic) over the server's (ServerOptions::policy).
#include <gtest/gtest.h>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

constexpr std::size_t kCap = 64 * 1024;
constexpr std::size_t kPayload = 1000;

// One server (drop_newest) with topic "oldest" (drop_oldest) and topic "plain" (no override),
// and one stalled subscriber of both whose queue is filled to the cap by direct sends.
struct PrecedenceFixture {
  Record rec;
  std::unique_ptr<ServerThread> srv;
  std::unique_ptr<RawClient> stalled;
  sluice::WebSocket ws{nullptr};

  void start() {
    sluice::ServerOptions o = base_options();
    o.max_buffered_bytes = kCap;
    o.low_watermark = kCap / 4;
    o.policy = sluice::SlowConsumerPolicy::drop_newest;
    o.send_buffer_bytes = 8192;
    o.write_timeout = milliseconds(0);
    sluice::Behaviors more;
    more.on_open = [](sluice::WebSocket w) {
      w.subscribe("oldest");
      w.subscribe("plain");
    };
    srv = std::make_unique<ServerThread>(o, recording(rec, more), [](sluice::Server& s) {
      s.topic("oldest", {.policy = sluice::SlowConsumerPolicy::drop_oldest,
                         .send_buffer_bytes = 0,
                         .compression = std::nullopt});
    });
    stalled = std::make_unique<RawClient>(srv->port(), 4096);
    ASSERT_TRUE(stalled->handshake());
    ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
    ws = srv->ask([&] { return rec.open.front(); });
    sluice::WebSocket w = ws;
    // Fill to the cap: under the server's drop_newest, the first refusal says we are there.
    std::vector<Sent> sent = pump(
        *srv, [w] { return w; }, [w](std::uint64_t, std::string_view m) mutable { return w.send(m); },
        kPayload, [](const std::vector<Sent>& v) { return count(v, sluice::SendStatus::dropped) > 0; }, 20000,
        2);
    ASSERT_EQ(count(sent, sluice::SendStatus::dropped), 1) << "the queue never reached the cap";
  }

  sluice::PublishResult publish(std::string_view topic) {
    return srv->ask([&] { return srv->server().publish(topic, numbered(999999, kPayload)); });
  }
};

TEST(PolicyPrecedence, TheServerPolicyAppliesToDirectSendsAndToTopicsWithoutTheirOwn) {
  PrecedenceFixture fx;
  ASSERT_NO_FATAL_FAILURE(fx.start());
  sluice::WebSocket w = fx.ws;
  EXPECT_EQ(fx.srv->ask([&] { return w.send(numbered(1, kPayload)); }), sluice::SendStatus::dropped);
  sluice::PublishResult r = fx.publish("plain");
  EXPECT_EQ(r.receivers(), 1u);
  EXPECT_EQ(r.dropped, 1u);
}

TEST(PolicyPrecedence, TheTopicPolicyAppliesToItsPublishes) {
  PrecedenceFixture fx;
  ASSERT_NO_FATAL_FAILURE(fx.start());
  sluice::WebSocket w = fx.ws;
  std::uint64_t dropped_before = fx.srv->ask([&] { return w.stats().messages_dropped; });
  sluice::PublishResult r = fx.publish("oldest");
  EXPECT_EQ(r.receivers(), 1u);
  EXPECT_EQ(r.queued, 1u) << "drop_oldest accepts the new message";
  EXPECT_GT(fx.srv->ask([&] { return w.stats().messages_dropped; }), dropped_before)
      << "drop_oldest made room by dropping older messages";
}

TEST(PolicyPrecedence, TheConnectionPolicyOverridesTheTopicAndTheServer) {
  PrecedenceFixture fx;
  ASSERT_NO_FATAL_FAILURE(fx.start());
  sluice::WebSocket w = fx.ws;
  ASSERT_TRUE(fx.srv->on_loop([&] { w.set_policy(sluice::SlowConsumerPolicy::backpressure); }));
  sluice::PublishResult oldest = fx.publish("oldest");
  EXPECT_EQ(oldest.would_block, 1u) << "the topic's drop_oldest applied instead of the connection's policy";
  sluice::PublishResult plain = fx.publish("plain");
  EXPECT_EQ(plain.would_block, 1u);
  EXPECT_EQ(fx.srv->ask([&] { return w.send(numbered(2, kPayload)); }), sluice::SendStatus::would_block);
  EXPECT_EQ(fx.srv->stats().sends_refused, 3u);
}

}  // namespace
}  // namespace sluice_test
