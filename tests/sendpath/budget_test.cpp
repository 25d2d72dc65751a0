// The process budget: max_total_buffered_bytes caps the memory all connections hold together,
// below their own caps; reaching it applies each connection's policy. A frame published to many
// subscribers is one block of memory, so the budget counts it once (and each subscriber's entry),
// while each connection's cap still counts it whole.
#include <gtest/gtest.h>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

constexpr std::size_t kBudget = 256 * 1024;
constexpr std::size_t kConnCap = 1024 * 1024;
constexpr std::size_t kPayload = 4000;
constexpr int kClients = 8;

sluice::ServerOptions budget_options(sluice::SlowConsumerPolicy policy) {
  sluice::ServerOptions o = base_options();
  o.max_buffered_bytes = kConnCap;
  o.low_watermark = kConnCap / 4;
  o.max_total_buffered_bytes = kBudget;
  o.policy = policy;
  o.send_buffer_bytes = 8192;
  o.write_timeout = milliseconds(0);
  return o;
}

// What one publish to every client can add to the budget: the frame once, an entry per client.
std::size_t one_publish() { return sluice::queued_message_cost(kPayload) + kClients * 64; }

TEST(ProcessBudget, EightStalledSubscribersAreHeldToTheBudgetWhichCountsEachSharedFrameOnce) {
  Record rec;
  sluice::Behaviors more;
  more.on_open = [](sluice::WebSocket ws) { ws.subscribe("t"); };
  ServerThread srv(budget_options(sluice::SlowConsumerPolicy::drop_newest), recording(rec, more));
  auto clients = connect_clients(srv.port(), kClients, 4096);
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == kClients; }));

  std::size_t max_memory = 0;
  sluice::PublishResult totals;
  int publishes = 0;
  for (; publishes < 2000; ++publishes) {
    sluice::PublishResult r;
    sluice::ServerStats ss;
    std::size_t sum_of_connections = 0;
    ASSERT_TRUE(srv.on_loop([&] {
      r = srv.server().publish("t", numbered(publishes, kPayload));
      ss = srv.server().stats();
      for (sluice::WebSocket ws : rec.open) sum_of_connections += ws.buffered_amount();
    }));
    ASSERT_EQ(r.receivers(), static_cast<std::uint32_t>(kClients));
    ASSERT_EQ(ss.buffered_bytes, sum_of_connections)
        << "ServerStats::buffered_bytes is not the sum of the queues";
    ASSERT_LE(ss.memory_bytes, kBudget + one_publish()) << "after publish " << publishes;
    max_memory = std::max(max_memory, ss.memory_bytes);
    totals.sent += r.sent;
    totals.queued += r.queued;
    totals.dropped += r.dropped;
    totals.closed += r.closed;
    totals.would_block += r.would_block;
    if (totals.dropped >= 100u * kClients) break;
  }
  EXPECT_GE(totals.dropped, 100u * kClients) << "the budget was never reached";
  EXPECT_EQ(totals.closed + totals.would_block, 0u);
  EXPECT_GT(max_memory, kBudget / 2);
  sluice::ServerStats ss = srv.stats();
  EXPECT_EQ(ss.messages_dropped, totals.dropped);
  EXPECT_EQ(ss.memory_budget_bytes, kBudget);
  EXPECT_GT(ss.budget_refusals, 0u);
  // The queues together wait for far more bytes than the budget: they share their frames.
  EXPECT_GT(ss.buffered_bytes, 4 * kBudget);
  // Far below any connection's own cap: the budget, not max_buffered_bytes, stopped them.
  for (sluice::ConnectionStats c : srv.ask([&] {
         std::vector<sluice::ConnectionStats> v;
         for (sluice::WebSocket ws : rec.open) v.push_back(ws.stats());
         return v;
       }))
    EXPECT_LT(c.buffered_memory, kConnCap / 2);
}

TEST(ProcessBudget, UnderTheClosePolicyReachingTheBudgetClosesSlowConsumers) {
  Record rec;
  sluice::Behaviors more;
  more.on_open = [](sluice::WebSocket ws) { ws.subscribe("t"); };
  sluice::ServerOptions o = budget_options(sluice::SlowConsumerPolicy::close);
  o.close_timeout = milliseconds(300);
  ServerThread srv(o, recording(rec, more));
  auto clients = connect_clients(srv.port(), kClients, 4096);
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == kClients; }));
  std::uint32_t closed = 0;
  for (int i = 0; i < 2000 && closed == 0; ++i) {
    sluice::PublishResult r = srv.ask([&] { return srv.server().publish("t", numbered(i, kPayload)); });
    closed += r.closed;
    ASSERT_LE(srv.stats().memory_bytes, kBudget + one_publish());
  }
  EXPECT_GE(closed, 1u) << "the budget never closed anyone";
  EXPECT_GE(srv.stats().connections_closed_by_policy, 1u);
  EXPECT_LE(srv.stats().connections_closed_by_policy, static_cast<std::uint64_t>(kClients));
}

// The hostile-peer finding: 100 stalled members of a broadcast room were closed for "process
// send budget exhausted" while the process held 12.5 MB, because each shared frame was charged
// once per subscriber. Counted once, 100 subscribers of a 1 MiB-per-connection topic stay open
// under a budget far below 100 x 1 MiB, and are held to their own caps.
TEST(ProcessBudget, ManyStalledSubscribersOfOneTopicAreNotClosedForMemoryTheyShare) {
  constexpr int kMembers = 100;
  constexpr std::size_t kCap = 256 * 1024;
  Record rec;
  sluice::Behaviors more;
  more.on_open = [](sluice::WebSocket ws) { ws.subscribe("room"); };
  sluice::ServerOptions o = base_options();
  o.max_buffered_bytes = kCap;
  o.low_watermark = kCap / 4;
  o.max_total_buffered_bytes = 8 * kCap;  // far below kMembers x kCap
  o.policy = sluice::SlowConsumerPolicy::drop_newest;
  o.send_buffer_bytes = 4096;
  o.write_timeout = milliseconds(0);
  ServerThread srv(o, recording(rec, more));
  auto members = connect_clients(srv.port(), kMembers, 2048, 4096);
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == kMembers; }));

  // Publish until every member's queue is at its cap: each member drops from then on.
  const std::size_t per_message = sluice::queued_message_cost(kPayload);
  int published = 0;
  sluice::PublishResult last;
  for (; published < 4000; ++published) {
    last = srv.ask([&] { return srv.server().publish("room", numbered(published, kPayload)); });
    if (last.dropped == static_cast<std::uint32_t>(kMembers)) break;
  }
  ASSERT_EQ(last.dropped, static_cast<std::uint32_t>(kMembers)) << "the members' caps were never reached";
  sluice::ServerStats ss = srv.stats();
  EXPECT_EQ(ss.connections_closed_by_policy, 0u);
  EXPECT_EQ(ss.connections_open, static_cast<std::uint64_t>(kMembers));
  // Each frame once, each member's entries on top; the caps stopped the queues, not the budget.
  EXPECT_LE(ss.memory_bytes, (static_cast<std::size_t>(published) + 1) * per_message + kMembers * kCap / 32);
  EXPECT_LT(ss.memory_bytes, o.max_total_buffered_bytes);
  for (sluice::ConnectionStats c : srv.ask([&] {
         std::vector<sluice::ConnectionStats> v;
         for (sluice::WebSocket ws : rec.open) v.push_back(ws.stats());
         return v;
       })) {
    EXPECT_LE(c.buffered_memory, kCap);
    EXPECT_GT(c.buffered_memory + per_message, kCap) << "each member is held to its own cap";
  }
}

}  // namespace
}  // namespace sluice_test
