// The process budget: max_total_buffered_bytes caps what all connections queue together, below
// their own caps; reaching it applies each connection's policy.
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

TEST(ProcessBudget, EightStalledSubscribersStayWithinTheBudgetPlusOneMessageEach) {
  Record rec;
  sluice::Behaviors more;
  more.on_open = [](sluice::WebSocket ws) { ws.subscribe("t"); };
  ServerThread srv(budget_options(sluice::SlowConsumerPolicy::drop_newest), recording(rec, more));
  auto clients = connect_clients(srv.port(), kClients, 4096);
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == kClients; }));

  std::size_t max_total = 0;
  sluice::PublishResult totals;
  int publishes = 0;
  for (; publishes < 2000; ++publishes) {
    sluice::PublishResult r;
    std::size_t total = 0, sum_of_connections = 0;
    ASSERT_TRUE(srv.on_loop([&] {
      r = srv.server().publish("t", numbered(publishes, kPayload));
      total = srv.server().stats().buffered_bytes;
      for (sluice::WebSocket ws : rec.open) sum_of_connections += ws.buffered_amount();
    }));
    ASSERT_EQ(r.receivers(), static_cast<std::uint32_t>(kClients));
    ASSERT_EQ(total, sum_of_connections) << "ServerStats::buffered_bytes is not the sum of the queues";
    ASSERT_LE(total, kBudget + kClients * wire_size(kPayload)) << "after publish " << publishes;
    max_total = std::max(max_total, total);
    totals.sent += r.sent;
    totals.queued += r.queued;
    totals.dropped += r.dropped;
    totals.closed += r.closed;
    totals.would_block += r.would_block;
    if (totals.dropped >= 100u * kClients) break;
  }
  EXPECT_GE(totals.dropped, 100u * kClients) << "the budget was never reached";
  EXPECT_EQ(totals.closed + totals.would_block, 0u);
  EXPECT_GT(max_total, kBudget / 2);
  sluice::ServerStats ss = srv.stats();
  EXPECT_EQ(ss.messages_dropped, totals.dropped);
  EXPECT_LE(ss.buffered_high_water, kBudget + kClients * wire_size(kPayload));
  // Far below any connection's own cap: the budget, not max_buffered_bytes, stopped them.
  for (std::size_t b : srv.ask([&] {
         std::vector<std::size_t> v;
         for (sluice::WebSocket ws : rec.open) v.push_back(ws.buffered_amount());
         return v;
       }))
    EXPECT_LT(b, kConnCap / 2);
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
    ASSERT_LE(srv.stats().buffered_bytes, kBudget + kClients * wire_size(kPayload));
  }
  EXPECT_GE(closed, 1u) << "the budget never closed anyone";
  EXPECT_GE(srv.stats().connections_closed_by_policy, 1u);
  EXPECT_LE(srv.stats().connections_closed_by_policy, static_cast<std::uint64_t>(kClients));
}

}  // namespace
}  // namespace sluice_test
