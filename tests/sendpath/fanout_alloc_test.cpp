// Encode once, share everywhere: publishing an M-byte message to N subscribers allocates the
// frame once (M + header + the buffer's refcount) and nothing per receiver, because each
// receiver's queue keeps its first entry inline. This executable replaces the global operator
// new to count the bytes the loop thread allocates while publish() runs.
#include <gtest/gtest.h>

#include "alloc_counter.hpp"
#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

constexpr std::size_t kMessage = 64 * 1024;
constexpr int kSubscribers = 200;

struct Measured {
  sluice::PublishResult result;
  std::size_t bytes = 0;
  std::size_t allocations = 0;
};

// Publishes on the loop thread (as a worker's own publish does) and counts what it allocates.
Measured publish_counted(ServerThread& srv, std::string_view topic, const std::string& message) {
  Measured m;
  EXPECT_TRUE(srv.on_loop([&] {
    AllocCount counted;
    m.result = srv.server().publish(topic, message);
    m.bytes = counted.bytes();
    m.allocations = counted.allocations();
  }));
  return m;
}

void read_one_each(std::vector<std::unique_ptr<RawClient>>& clients, std::uint64_t seq) {
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto f = clients[i]->read_frame();
    ASSERT_TRUE(f) << "subscriber " << i;
    ASSERT_EQ(f->payload.size(), kMessage);
    ASSERT_EQ(seq_of(f->payload), seq) << "subscriber " << i;
  }
}

TEST(FanoutAllocation, PublishingMBytesToNSubscribersAllocatesAtMostMPlusNWords) {
  Record rec;
  sluice::Behaviors more;
  more.on_open = [](sluice::WebSocket ws) { ws.subscribe("wide"); };
  ServerThread srv(base_options(), recording(rec, more));
  auto clients = connect_clients(srv.port(), kSubscribers);
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == kSubscribers; }));

  // Two warm-up rounds size the loop's reusable lists (the pending-flush list and its spare);
  // after each, every subscriber has read its copy, so every queue is empty again.
  for (std::uint64_t seq = 0; seq < 2; ++seq) {
    Measured warm = publish_counted(srv, "wide", numbered(seq, kMessage));
    ASSERT_EQ(warm.result.receivers(), static_cast<std::uint32_t>(kSubscribers));
    ASSERT_NO_FATAL_FAILURE(read_one_each(clients, seq));
    ASSERT_TRUE(wait_until([&] { return srv.stats().buffered_bytes == 0; }));
  }

  const std::string message = numbered(2, kMessage);
  Measured m = publish_counted(srv, "wide", message);
  std::printf("publish of %zu bytes to %d subscribers allocated %zu bytes in %zu allocation(s)\n", kMessage,
              kSubscribers, m.bytes, m.allocations);
  EXPECT_EQ(m.result.receivers(), static_cast<std::uint32_t>(kSubscribers));
  EXPECT_EQ(m.result.sent, static_cast<std::uint32_t>(kSubscribers));
  EXPECT_LE(m.bytes, kMessage + 64 + kSubscribers * 32u);
  EXPECT_GE(m.bytes, kMessage) << "the frame itself was not allocated on this thread?";
  ASSERT_NO_FATAL_FAILURE(read_one_each(clients, 2));

  // Each subscriber got it exactly once: nothing else follows but a marker.
  ASSERT_TRUE(srv.on_loop([&] { srv.server().publish("wide", "end", sluice::Opcode::text); }));
  for (auto& c : clients) {
    auto f = c->read_frame();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->payload, "end");
  }
}

// Several messages in one loop turn put each subscriber's queue past its inline entry, into a
// block of entries. When that comes back turn after turn (readers slower than the publisher),
// the blocks the queues gave back are reused: after the first such turn, a turn allocates no
// block, however many queues need one.
TEST(FanoutAllocation, ABacklogThatComesBackEveryTurnReusesItsQueuesBlocks) {
  constexpr int kQueues = 300;  // more than the blocks kept whatever the peak
  constexpr int kPerTurn = 3;
  Record rec;
  sluice::Behaviors more;
  more.on_open = [](sluice::WebSocket ws) { ws.subscribe("wide"); };
  ServerThread srv(base_options(), recording(rec, more));
  auto clients = connect_clients(srv.port(), kQueues);
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == kQueues; }));

  std::uint64_t seq = 0;
  auto turn = [&] {
    std::size_t allocations = 0;
    std::vector<std::string> messages;
    for (int i = 0; i < kPerTurn; ++i) messages.push_back(numbered(seq + i, 100));
    EXPECT_TRUE(srv.on_loop([&] {
      AllocCount counted;
      for (const std::string& m : messages) srv.server().publish("wide", m);
      allocations = counted.allocations();
    }));
    for (auto& c : clients)
      for (int i = 0; i < kPerTurn; ++i) {
        auto f = c->read_frame();
        EXPECT_TRUE(f && seq_of(f->payload) == seq + i);
      }
    seq += kPerTurn;
    EXPECT_TRUE(wait_until([&] { return srv.stats().buffered_bytes == 0; }));
    return allocations;
  };
  const std::size_t first = turn();
  EXPECT_GE(first, static_cast<std::size_t>(kQueues - 64)) << "the first turn takes the blocks from the heap";
  turn();  // the loop's reusable lists find their size
  for (int round = 3; round <= 5; ++round) {
    const std::size_t again = turn();
    std::printf("turn %d: %zu allocation(s) for %d messages to %d subscribers\n", round, again, kPerTurn,
                kQueues);
    EXPECT_LE(again, static_cast<std::size_t>(kPerTurn)) << "at most the frames, never a block";
  }
}

// A publish from a thread that runs no loop goes to every worker through its inbox: one frame
// and one copy of the topic's name for all of them, so what the publishing thread allocates does
// not grow with the number of workers. Whether a frame comes from this thread's pool or from the
// heap depends on where and when earlier frames were freed, so a run may take anything from
// none to all of its frames from the heap (a busy machine's run with 2 workers took 15 of 50
// from the pool, its run with 4 none): the bounds are per publish, never one run against the
// other's luck.
constexpr int kPublishes = 50;

std::size_t allocations_publishing_from_outside(int threads) {
  sluice::ServerOptions o = base_options();
  o.threads = threads;
  ServerThread srv(o, {});
  const std::string message = numbered(0, 1024);
  for (int i = 0; i < 5; ++i) srv.server().publish("t", message);  // the inboxes' rings are made
  AllocCount counted;
  for (int i = 0; i < kPublishes; ++i) srv.server().publish("t", message);
  return counted.allocations();
}

TEST(FanoutAllocation, APublishFromAnotherThreadAllocatesNothingPerWorker) {
  const std::size_t two = allocations_publishing_from_outside(2);
  const std::size_t four = allocations_publishing_from_outside(4);
  std::printf("allocations for %d publishes from outside the loops: %zu with 2 workers, %zu with 4\n",
              kPublishes, two, four);
  // At most the frame and the topic's name, once each per publish: one allocation per worker
  // per publish would be 3 per publish with 2 workers and 5 with 4.
  EXPECT_LE(two, 2u * kPublishes) << "the frame and the topic's name, once each";
  EXPECT_LE(four, 2u * kPublishes) << "the frame and the topic's name, once each";
  EXPECT_GE(two, static_cast<std::size_t>(kPublishes)) << "every publish shares a new copy of the name";
}

}  // namespace
}  // namespace sluice_test
