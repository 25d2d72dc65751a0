// apply_policy and over_cap (src/send/slow_consumer.cpp): what each slow-consumer policy does to
// a queue that a new frame would take past its cap, or past the process budget while the queue
// itself is under its cap. Every case checks the verdict, what is left in the queue, in order,
// and that the reported release matches exactly what left the queue.
#include "send/slow_consumer.hpp"

#include <gtest/gtest.h>
#include <sys/uio.h>

#include <string>
#include <vector>

#include "send/frame_buffer.hpp"
#include "send/send_queue.hpp"

namespace sluice::detail {
namespace {

using Action = Verdict::Action;

constexpr std::uint32_t kTopicA = 1;
constexpr std::uint32_t kTopicB = 2;

FrameRef message(char c, std::size_t n = 10) { return encode_frame(Opcode::text, std::string(n, c)); }

// The charge of one message() of that size: every frame a test queues is charged the same.
std::size_t charge_of_message(std::size_t n = 10) { return SendQueue::charge_of(*message('x', n).get()); }

// The first payload byte of every frame left in the queue, oldest first (each message is one
// letter repeated, so this names the frames); a partly written frame shows as '*'.
std::string letters(const SendQueue& q) {
  iovec iov[64];
  const int n = q.fill_iovecs(iov, 64);
  std::string out;
  for (int i = 0; i < n; ++i) {
    const auto* p = static_cast<const char*>(iov[i].iov_base);
    out += iov[i].iov_len == 2 + 10 ? p[2] : '*';
  }
  return out;
}

// A queue holding one 10-byte message per letter of `names`, each tagged with its topic.
void fill(SendQueue& q, std::string_view names, std::uint32_t tag = kTopicA) {
  for (char c : names) q.push(message(c), tag);
}

// What the queue held before minus what it holds now must be what the verdict says it dropped.
struct QueueSnapshot {
  explicit QueueSnapshot(const SendQueue& q) : bytes(q.bytes()), charge(q.charge()), entries(q.entries()) {}
  std::size_t bytes, charge, entries;
};

void expect_released(const QueueSnapshot& before, const SendQueue& q, const Released& dropped) {
  EXPECT_EQ(before.bytes - q.bytes(), dropped.bytes);
  EXPECT_EQ(before.charge - q.charge(), dropped.charge);
  EXPECT_EQ(before.entries - q.entries(), dropped.messages);
  EXPECT_EQ(dropped.raw_bytes, 0u);
}

// Charges are worked out from a real frame, so the tests hold whatever the allocator rounds to.
class OverCap : public testing::Test {
 protected:
  const std::size_t kOne = charge_of_message();
};
class ApplyPolicy : public OverCap {};

TEST_F(OverCap, AnEmptyQueueTakesAMessageLargerThanTheCap) {
  SendQueue q;
  EXPECT_FALSE(over_cap(q, 10 * kOne, kOne));
}

TEST_F(OverCap, FillingTheCapExactlyIsNotOver) {
  SendQueue q;
  fill(q, "ab");
  EXPECT_FALSE(over_cap(q, kOne, 3 * kOne));
  EXPECT_TRUE(over_cap(q, kOne + 1, 3 * kOne));
}

TEST_F(OverCap, ComparesChargesNotWireBytes) {
  SendQueue q;
  fill(q, "a");
  // Twelve wire bytes are queued, but the cap counts the memory the frame holds.
  ASSERT_GT(q.charge(), q.bytes());
  EXPECT_TRUE(over_cap(q, 0, q.bytes() + 1));
  EXPECT_FALSE(over_cap(q, 0, q.charge()));
}

TEST_F(ApplyPolicy, CloseDropsTheNewMessageWhileTheGraceLasts) {
  SendQueue q;
  fill(q, "abc");
  const QueueSnapshot before(q);
  Verdict v = apply_policy(SlowConsumerPolicy::close, q, kOne, 3 * kOne, kTopicA, false);
  EXPECT_EQ(v.action, Action::drop_new);
  EXPECT_EQ(letters(q), "abc");
  expect_released(before, q, v.dropped);
}

TEST_F(ApplyPolicy, CloseClosesOnceTheGraceIsOver) {
  SendQueue q;
  fill(q, "abc");
  const QueueSnapshot before(q);
  Verdict v = apply_policy(SlowConsumerPolicy::close, q, kOne, 3 * kOne, kTopicA, true);
  EXPECT_EQ(v.action, Action::close);
  // The queue is left for the close to deal with: what was queued before may still go out.
  EXPECT_EQ(letters(q), "abc");
  expect_released(before, q, v.dropped);
}

TEST_F(ApplyPolicy, DropNewestRefusesTheNewMessageAndKeepsTheQueue) {
  SendQueue q;
  fill(q, "abc");
  const QueueSnapshot before(q);
  for (bool grace_over : {false, true}) {
    Verdict v = apply_policy(SlowConsumerPolicy::drop_newest, q, kOne, 3 * kOne, kTopicA, grace_over);
    EXPECT_EQ(v.action, Action::drop_new);
    EXPECT_EQ(letters(q), "abc");
    expect_released(before, q, v.dropped);
  }
}

TEST_F(ApplyPolicy, BackpressureTellsTheSenderToWaitAndKeepsTheQueue) {
  SendQueue q;
  fill(q, "abc");
  const QueueSnapshot before(q);
  for (bool grace_over : {false, true}) {
    Verdict v = apply_policy(SlowConsumerPolicy::backpressure, q, kOne, 3 * kOne, kTopicA, grace_over);
    EXPECT_EQ(v.action, Action::would_block);
    EXPECT_EQ(letters(q), "abc");
    expect_released(before, q, v.dropped);
  }
}

TEST_F(ApplyPolicy, DropOldestMakesJustEnoughRoomOldestFirst) {
  SendQueue q;
  fill(q, "abcd");
  const QueueSnapshot before(q);
  Verdict v = apply_policy(SlowConsumerPolicy::drop_oldest, q, kOne, 4 * kOne, kTopicA, false);
  EXPECT_EQ(v.action, Action::enqueue);
  EXPECT_EQ(letters(q), "bcd");
  EXPECT_EQ(v.dropped.messages, 1u);
  expect_released(before, q, v.dropped);
  EXPECT_FALSE(over_cap(q, kOne, 4 * kOne));
}

TEST_F(ApplyPolicy, DropOldestDropsAsManyAsALargerMessageNeeds) {
  SendQueue q;
  fill(q, "abcdef");
  const QueueSnapshot before(q);
  // The new message is charged a little over two small ones: three must go.
  Verdict v = apply_policy(SlowConsumerPolicy::drop_oldest, q, 2 * kOne + 1, 6 * kOne, kTopicA, false);
  EXPECT_EQ(v.action, Action::enqueue);
  EXPECT_EQ(letters(q), "def");
  expect_released(before, q, v.dropped);
}

TEST_F(ApplyPolicy, DropOldestWorksAcrossTheQueuesBlocks) {
  SendQueue q;
  const std::string names = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";  // 36: the inline entry and 3 blocks
  fill(q, names);
  const QueueSnapshot before(q);
  Verdict v = apply_policy(SlowConsumerPolicy::drop_oldest, q, 20 * kOne, 36 * kOne, kTopicA, false);
  EXPECT_EQ(v.action, Action::enqueue);
  EXPECT_EQ(letters(q), names.substr(20));
  expect_released(before, q, v.dropped);
}

TEST_F(ApplyPolicy, DropOldestNeverDropsAPartlyWrittenFrame) {
  SendQueue q;
  fill(q, "abc");
  q.consume(5);  // the socket took 5 of a's 12 bytes
  const QueueSnapshot before(q);
  Verdict v = apply_policy(SlowConsumerPolicy::drop_oldest, q, kOne, 3 * kOne, kTopicA, false);
  EXPECT_EQ(v.action, Action::enqueue);
  EXPECT_EQ(letters(q), "*c");  // b went in a's place; the rest of a must still be written
  expect_released(before, q, v.dropped);
}

TEST_F(ApplyPolicy, DropOldestStillEnqueuesWhenOnlyAPartlyWrittenFrameIsLeft) {
  SendQueue q;
  fill(q, "a");
  q.consume(1);
  const QueueSnapshot before(q);
  Verdict v = apply_policy(SlowConsumerPolicy::drop_oldest, q, 5 * kOne, kOne, kTopicA, false);
  // Nothing can go, and the queue then holds the rest of one frame: the new one is taken, as an
  // empty queue would take it.
  EXPECT_EQ(v.action, Action::enqueue);
  EXPECT_EQ(letters(q), "*");
  EXPECT_EQ(v.dropped.messages, 0u);
  expect_released(before, q, v.dropped);
}

TEST_F(ApplyPolicy, DropOldestUnderItsCapButOverTheBudgetMakesRoomForTheNewMessage) {
  SendQueue q;
  fill(q, "abcd");
  const QueueSnapshot before(q);
  // The queue is far under its cap: the process budget asked for room, as much as the new
  // message will take.
  Verdict v = apply_policy(SlowConsumerPolicy::drop_oldest, q, 2 * kOne, 100 * kOne, kTopicA, false);
  EXPECT_EQ(v.action, Action::enqueue);
  EXPECT_EQ(letters(q), "cd");
  EXPECT_GE(v.dropped.charge, 2 * kOne);
  expect_released(before, q, v.dropped);
}

TEST_F(ApplyPolicy, LatestSupersedesTheUnsentValuesOfTheSameTopic) {
  SendQueue q;
  q.push(message('a'), kTopicA);
  q.push(message('b'), kTopicB);
  q.push(message('c'), kTopicA);
  q.push(message('d'), kTopicB);
  const QueueSnapshot before(q);
  Verdict v = apply_policy(SlowConsumerPolicy::latest, q, kOne, 4 * kOne, kTopicA, false);
  EXPECT_EQ(v.action, Action::enqueue);
  EXPECT_EQ(letters(q), "bd");  // both of topic A's old values go, the other topic's stay
  EXPECT_EQ(v.dropped.messages, 2u);
  expect_released(before, q, v.dropped);
}

TEST_F(ApplyPolicy, LatestDropsTheOldestOfOtherTopicsWhenSupersedingIsNotEnough) {
  SendQueue q;
  q.push(message('a'), kTopicB);
  q.push(message('b'), kTopicB);
  q.push(message('c'), kTopicA);
  q.push(message('d'), kTopicB);
  const QueueSnapshot before(q);
  // Room for a message of three: c is superseded, then the oldest of the rest make up the other two.
  Verdict v = apply_policy(SlowConsumerPolicy::latest, q, 3 * kOne, 4 * kOne, kTopicA, false);
  EXPECT_EQ(v.action, Action::enqueue);
  EXPECT_EQ(letters(q), "d");
  expect_released(before, q, v.dropped);
}

TEST_F(ApplyPolicy, LatestKeepsAPartlyWrittenValueOfTheSameTopic) {
  SendQueue q;
  q.push(message('a'), kTopicA);
  q.push(message('b'), kTopicB);
  q.push(message('c'), kTopicA);
  q.consume(3);
  const QueueSnapshot before(q);
  Verdict v = apply_policy(SlowConsumerPolicy::latest, q, kOne, 3 * kOne, kTopicA, false);
  EXPECT_EQ(v.action, Action::enqueue);
  EXPECT_EQ(letters(q), "*b");  // a is on its way out and stays whole on the wire; c goes
  expect_released(before, q, v.dropped);
}

TEST_F(ApplyPolicy, LatestWithNothingToSupersedeAndRoomUnderItsCapDropsNothing) {
  SendQueue q;
  fill(q, "ab", kTopicB);
  const QueueSnapshot before(q);
  // Only the process budget is short: the connection then decides whether the message fits.
  Verdict v = apply_policy(SlowConsumerPolicy::latest, q, kOne, 100 * kOne, kTopicA, false);
  EXPECT_EQ(v.action, Action::enqueue);
  EXPECT_EQ(letters(q), "ab");
  EXPECT_EQ(v.dropped.messages, 0u);
  expect_released(before, q, v.dropped);
}

TEST_F(ApplyPolicy, SharedFramesAreReleasedByTheQueueNotFreed) {
  // A broadcast frame is held by other queues too: dropping it here drops this reference only.
  FrameRef shared = message('s');
  SendQueue q;
  q.push(shared.share(), kTopicA);
  q.push(message('t'), kTopicA);
  Verdict v = apply_policy(SlowConsumerPolicy::drop_oldest, q, kOne, 2 * kOne, kTopicA, false);
  EXPECT_EQ(v.action, Action::enqueue);
  EXPECT_EQ(letters(q), "t");
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(shared.get()->data()) + 2, 10),
            std::string(10, 's'));
}

}  // namespace
}  // namespace sluice::detail
