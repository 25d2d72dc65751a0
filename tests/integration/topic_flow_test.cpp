// Producer flow control: a producer that publishes to a topic only while
// Server::topic_blocked() says no, and waits for when_topic_unblocked() otherwise, loses nothing
// to a subscriber that reads slowly under the backpressure policy, on one thread or across two;
// and a topic with no backpressure subscriber is never blocked.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

constexpr int kMessages = 3000;
constexpr std::size_t kMessageSize = 1024;
constexpr std::size_t kCap = 64 * 1024;
constexpr std::size_t kLowWatermark = 16 * 1024;

std::string message(int i) {
  std::string m = std::to_string(i);
  m.resize(kMessageSize, 'x');
  return m;
}

// Publishes kMessages to "feed" from the first worker's loop, pausing while the topic is blocked.
struct Producer {
  sluice::Server* server = nullptr;
  int next = 0;
  std::atomic<int> blocked_episodes{0};
  std::atomic<int> refused{0};  // would_block or dropped: a message lost for someone
  std::atomic<bool> done{false};

  void step() {
    while (next < kMessages) {
      if (server->topic_blocked("feed")) {
        blocked_episodes.fetch_add(1);
        server->when_topic_unblocked("feed", [this] { step(); });
        return;
      }
      sluice::PublishResult r = server->publish("feed", message(next), sluice::Opcode::text);
      refused.fetch_add(static_cast<int>(r.would_block + r.dropped + r.closed));
      ++next;
    }
    done.store(true);
  }
};

sluice::ServerOptions flow_options(int threads) {
  sluice::ServerOptions o = test_options();
  o.threads = threads;
  o.max_buffered_bytes = kCap;
  o.low_watermark = kLowWatermark;
  o.send_buffer_bytes = 4096;
  o.write_timeout = std::chrono::milliseconds(0);
  return o;
}

sluice::Behaviors subscribe_on_open(std::atomic<int>& opened) {
  sluice::Behaviors b;
  b.on_open = [&opened](sluice::WebSocket ws) {
    ws.subscribe("feed");
    opened.fetch_add(1);
  };
  return b;
}

class TopicFlow : public ::testing::TestWithParam<int> {};

TEST_P(TopicFlow, ProducerThatWaitsWhileBlockedLosesNothingToASlowBackpressureSubscriber) {
  std::atomic<int> opened{0};
  ServerThread server(flow_options(GetParam()), subscribe_on_open(opened), [](sluice::Server& s) {
    s.topic("feed", {sluice::SlowConsumerPolicy::backpressure, 0, std::nullopt});
  });
  // Several subscribers, so that with two threads both loops have some.
  std::vector<std::unique_ptr<RawClient>> subscribers;
  for (int i = 0; i < 4; ++i) {
    subscribers.push_back(std::make_unique<RawClient>(server.port(), 4096));
    ASSERT_TRUE(subscribers.back()->handshake("/"));
  }
  ASSERT_TRUE(wait_until([&] { return opened.load() == 4; }));

  Producer producer;
  producer.server = &server.server();
  server.server().post([&producer] { producer.step(); });
  // Nobody reads yet: the producer must find the topic blocked and stop.
  ASSERT_TRUE(wait_until([&] { return producer.blocked_episodes.load() > 0; }));
  EXPECT_FALSE(producer.done.load());

  // Now the subscribers read, all of them in turn (the slowest governs the producer), each
  // everything and in order; the producer resumes as they drain.
  std::vector<int> expected(subscribers.size(), 0);
  auto all_read = [&] {
    for (int e : expected)
      if (e < kMessages) return false;
    return true;
  };
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (!all_read() && Clock::now() < deadline) {
    for (std::size_t i = 0; i < subscribers.size(); ++i) {
      if (expected[i] == kMessages) continue;
      ReadStatus st =
          subscribers[i]->read_frames(milliseconds(5), [&](std::uint8_t opcode, std::string_view payload) {
            EXPECT_EQ(opcode, op::text);
            EXPECT_EQ(payload, message(expected[i])) << "subscriber " << i << ", message " << expected[i];
            return ++expected[i] < kMessages;
          });
      ASSERT_NE(st, ReadStatus::error);
      ASSERT_NE(st, ReadStatus::eof);
      ASSERT_NE(st, ReadStatus::reset);
    }
  }
  for (int e : expected) EXPECT_EQ(e, kMessages);
  ASSERT_TRUE(wait_until([&] { return producer.done.load(); }));
  EXPECT_EQ(producer.refused.load(), 0)
      << "a publish met a full queue: flow control let the producer run ahead";
  EXPECT_GT(producer.blocked_episodes.load(), 1);
  EXPECT_LE(server.stats().buffered_high_water, kCap * subscribers.size());
  EXPECT_EQ(server.stats().sends_refused, 0u);
}

INSTANTIATE_TEST_SUITE_P(Threads, TopicFlow, ::testing::Values(1, 2),
                         [](const auto& info) { return std::to_string(info.param) + "_threads"; });

TEST(TopicFlowPolicy, TopicWithoutBackpressureSubscribersIsNeverBlocked) {
  std::atomic<int> opened{0};
  ServerThread server(flow_options(1), subscribe_on_open(opened), [](sluice::Server& s) {
    s.topic("feed", {sluice::SlowConsumerPolicy::drop_newest, 0, std::nullopt});
  });
  RawClient stalled(server.port(), 4096);
  ASSERT_TRUE(stalled.handshake("/"));
  ASSERT_TRUE(wait_until([&] { return opened.load() == 1; }));
  bool ever_blocked = server.ask([&] {
    bool blocked = false;
    for (int i = 0; i < 500; ++i) {
      server.server().publish("feed", message(i), sluice::Opcode::text);
      blocked = blocked || server.server().topic_blocked("feed");
    }
    return blocked;
  });
  EXPECT_FALSE(ever_blocked);
  EXPECT_GT(server.stats().messages_dropped, 0u);  // the stalled subscriber did reach its cap
}

TEST(TopicFlowPolicy, ASubscriberThatLeavesReleasesItsTopic) {
  std::atomic<int> opened{0};
  ServerThread server(flow_options(1), subscribe_on_open(opened), [](sluice::Server& s) {
    s.topic("feed", {sluice::SlowConsumerPolicy::backpressure, 0, std::nullopt});
  });
  auto stalled = std::make_unique<RawClient>(server.port(), 4096);
  ASSERT_TRUE(stalled->handshake("/"));
  ASSERT_TRUE(wait_until([&] { return opened.load() == 1; }));
  ASSERT_TRUE(server.ask([&] {
    for (int i = 0; i < 200 && !server.server().topic_blocked("feed"); ++i)
      server.server().publish("feed", message(i), sluice::Opcode::text);
    return server.server().topic_blocked("feed");
  }));
  std::atomic<bool> woken{false};
  server.on_loop([&] { server.server().when_topic_unblocked("feed", [&] { woken.store(true); }); });
  stalled.reset();  // the subscriber goes away without reading
  EXPECT_TRUE(wait_until([&] { return woken.load(); }));
  EXPECT_FALSE(server.server().topic_blocked("feed"));
}

}  // namespace
}  // namespace sluice_test
