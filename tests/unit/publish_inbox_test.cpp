// PublishInbox (src/server/publish_inbox.*): bounded in messages and in its frames' memory,
// refusals counted, deliveries in order on the loop's thread with the very frame that was
// pushed, one wake-up per burst, and a turn that delivers at most what a full inbox holds.
#include "server/publish_inbox.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "send/memory_budget.hpp"

namespace sluice::detail {
namespace {

struct Delivered {
  std::string topic;
  const FrameBuffer* frame;
  std::optional<Compression> compression;
};

FrameRef frame_of(std::size_t payload) { return encode_frame(Opcode::binary, std::string(payload, 'x')); }

TEST(PublishInbox, RefusesPastItsCountAndCountsEachRefusal) {
  EventLoop loop;
  std::vector<Delivered> got;
  PublishInbox inbox(loop, 3, 1 << 20, [&](InboundPublish& p) {
    got.push_back({std::string(p.topic.view()), p.frame.get(), p.compression});
  });
  SharedTopicName topic("a/b");
  std::vector<FrameRef> frames;
  for (int i = 0; i < 5; ++i) frames.push_back(frame_of(10));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(inbox.push(frames[i], topic, std::nullopt));
  EXPECT_FALSE(inbox.push(frames[3], topic, Compression::off));
  EXPECT_FALSE(inbox.push(frames[4], topic, std::nullopt));
  EXPECT_EQ(inbox.refused(), 2u);
  EXPECT_EQ(inbox.wakeups(), 1u) << "only the push that found the inbox drained wakes the loop";

  loop.post_control([&] { loop.stop(); });
  loop.run();
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].topic, "a/b");
    EXPECT_EQ(got[i].frame, frames[i].get()) << "the frame is shared, not copied";
  }
  // Drained: the next push has room and wakes the loop again.
  EXPECT_TRUE(inbox.push(frames[3], topic, Compression::off));
  EXPECT_EQ(inbox.wakeups(), 2u);
  loop.post_control([&] { loop.stop(); });
  loop.run();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[3].compression, Compression::off);
}

TEST(PublishInbox, RefusesAFrameThatWouldTakeItPastItsBytes) {
  EventLoop loop;
  int delivered = 0;
  FrameRef big = frame_of(4000);
  const std::size_t footprint = big.get()->footprint();
  PublishInbox inbox(loop, 100, 2 * footprint + footprint / 2, [&](InboundPublish&) { ++delivered; });
  SharedTopicName topic("t");
  EXPECT_TRUE(inbox.push(big, topic, std::nullopt));
  EXPECT_TRUE(inbox.push(big, topic, std::nullopt));
  EXPECT_FALSE(inbox.push(big, topic, std::nullopt));
  FrameRef small = frame_of(1);
  EXPECT_TRUE(inbox.push(small, topic, std::nullopt)) << "a smaller frame still fits";
  EXPECT_EQ(inbox.refused(), 1u);
  loop.post_control([&] { loop.stop(); });
  loop.run();
  EXPECT_EQ(delivered, 3);
}

TEST(PublishInbox, HoldsNoReferenceOnceDeliveredOrRefused) {
  EventLoop loop;
  MemoryBudget budget(1 << 20, 1);
  PublishInbox inbox(loop, 1, 1 << 20, [](InboundPublish&) {});
  SharedTopicName topic("t");
  {
    FrameRef frame = frame_of(100);
    frame.get()->charge_once(budget);  // uncharged when the last reference goes
    ASSERT_TRUE(inbox.push(frame, topic, std::nullopt));
    EXPECT_FALSE(inbox.push(frame, topic, std::nullopt));
  }
  EXPECT_GT(budget.used(), 0u) << "the inbox holds the frame until it is delivered";
  loop.post_control([&] { loop.stop(); });
  loop.run();
  EXPECT_EQ(budget.used(), 0u) << "delivered: the inbox let the frame go";
}

TEST(PublishInbox, ProducersOnManyThreadsLoseNothingThatWasAccepted) {
  EventLoop loop;
  std::size_t delivered = 0;
  PublishInbox inbox(loop, 64, 1 << 20, [&](InboundPublish&) { ++delivered; });
  SharedTopicName topic("t");
  FrameRef frame = frame_of(10);
  std::atomic<std::size_t> accepted{0};
  std::atomic<int> producing{4};
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < 5'000; ++i) {
        if (inbox.push(frame, topic, std::nullopt)) accepted.fetch_add(1);
      }
      if (producing.fetch_sub(1) == 1) loop.post_control([&] { loop.post_control([&] { loop.stop(); }); });
    });
  }
  loop.run();
  for (auto& p : producers) p.join();
  // What the last turn left behind, if anything.
  for (int turn = 0; turn < 100 && delivered < accepted.load(); ++turn) {
    loop.post_control([&] { loop.stop(); });
    loop.run();
  }
  EXPECT_EQ(delivered, accepted.load());
  EXPECT_EQ(accepted.load() + inbox.refused(), 20'000u);
}

}  // namespace
}  // namespace sluice::detail
