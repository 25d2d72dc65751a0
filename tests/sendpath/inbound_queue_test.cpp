// Work that crosses threads is bounded and counted like every other queue: publishes from a
// thread that is not the worker's wait in its inbox (max_inbound_publishes messages,
// max_inbound_publish_bytes of frames), tasks in its loop's queue (max_posted_tasks). What does
// not fit is refused and counted, never held; what fits is delivered in order once the loop
// turns again. The worker's loop is held still by a task of the test's while the queues fill.
#include <gtest/gtest.h>

#include <future>
#include <memory>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

// Keeps the server's loop inside one posted task until release() (or the destructor). The task
// holds its own references to both signals: the test may be gone by the time it wakes.
class LoopHold {
 public:
  explicit LoopHold(ServerThread& srv) {
    auto entered = std::make_shared<std::promise<void>>();
    std::future<void> in_task = entered->get_future();
    EXPECT_TRUE(srv.server().post([entered, released = released_.get_future().share()] {
      entered->set_value();
      released.wait();
    }));
    in_task.wait();
  }
  ~LoopHold() { release(); }
  void release() {
    if (!done_) released_.set_value();
    done_ = true;
  }

 private:
  std::promise<void> released_;
  bool done_ = false;
};

TEST(InboundQueues, PublishesPastTheInboxAreRefusedCountedAndTheRestArriveInOrder) {
  Record rec;
  sluice::Behaviors more;
  more.on_open = [](sluice::WebSocket ws) { ws.subscribe("t"); };
  sluice::ServerOptions o = base_options();
  o.max_inbound_publishes = 4;
  ServerThread srv(o, recording(rec, more));
  auto clients = connect_clients(srv.port(), 1);
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));

  constexpr int kPublished = 10;
  {
    LoopHold hold(srv);
    // From the test's thread, so every publish goes through the worker's inbox.
    for (int i = 0; i < kPublished; ++i) {
      const sluice::PublishResult r = srv.server().publish("t", numbered(static_cast<std::uint64_t>(i), 100));
      EXPECT_EQ(r.receivers(), 0u) << "no subscriber lives on the publishing thread";
    }
    EXPECT_EQ(srv.stats().inbound_publishes_refused, static_cast<std::uint64_t>(kPublished - 4));
  }
  for (std::uint64_t seq = 0; seq < 4; ++seq) {
    auto f = clients[0]->read_frame();
    ASSERT_TRUE(f);
    EXPECT_EQ(seq_of(f->payload), seq);
  }
  // Nothing refused came later: the next message is a marker published after the hold.
  srv.server().publish("t", "end", sluice::Opcode::text);
  auto f = clients[0]->read_frame();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "end");
  EXPECT_EQ(srv.stats().inbound_publishes_refused, static_cast<std::uint64_t>(kPublished - 4));
}

TEST(InboundQueues, TheInboxIsBoundedInTheMemoryOfItsFramesToo) {
  Record rec;
  sluice::Behaviors more;
  more.on_open = [](sluice::WebSocket ws) { ws.subscribe("t"); };
  sluice::ServerOptions o = base_options();
  o.max_inbound_publish_bytes = 3 * sluice::queued_message_cost(64 * 1024);
  ServerThread srv(o, recording(rec, more));
  auto clients = connect_clients(srv.port(), 1);
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  {
    LoopHold hold(srv);
    for (std::uint64_t i = 0; i < 5; ++i) srv.server().publish("t", numbered(i, 64 * 1024));
    EXPECT_EQ(srv.stats().inbound_publishes_refused, 2u);
  }
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    auto f = clients[0]->read_frame();
    ASSERT_TRUE(f);
    EXPECT_EQ(seq_of(f->payload), seq);
    EXPECT_TRUE(intact(f->payload));
  }
}

TEST(InboundQueues, TasksPastMaxPostedTasksAreRefusedAndCounted) {
  sluice::ServerOptions o = base_options();
  o.max_posted_tasks = 2;
  ServerThread srv(o, {});
  std::atomic<int> ran{0};
  {
    LoopHold hold(srv);
    EXPECT_TRUE(srv.server().post([&] { ran.fetch_add(1); }));
    EXPECT_TRUE(srv.server().post([&] { ran.fetch_add(1); }));
    EXPECT_FALSE(srv.server().post([&] { ran.fetch_add(100); }));
    EXPECT_EQ(srv.stats().posts_refused, 1u);
  }
  ASSERT_TRUE(wait_until([&] { return ran.load() == 2; }));
  EXPECT_TRUE(srv.server().post([&] { ran.fetch_add(1); })) << "room again once the loop ran them";
  ASSERT_TRUE(wait_until([&] { return ran.load() == 3; }));
  EXPECT_EQ(srv.stats().posts_refused, 1u);
}

}  // namespace
}  // namespace sluice_test
