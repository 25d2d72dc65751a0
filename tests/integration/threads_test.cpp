// Several worker threads: connections spread over the loops by SO_REUSEPORT, and every one of
// them is served independently.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

TEST(Threads, TwentyConnectionsOnTwoThreadsAllEcho) {
  Tally tally;
  std::mutex m;
  std::set<std::thread::id> loop_threads;
  sluice::Behaviors b = echo_behaviors(tally);
  b.on_open = [&](sluice::WebSocket) {
    tally.opens.fetch_add(1);
    std::lock_guard<std::mutex> lock(m);
    loop_threads.insert(std::this_thread::get_id());
  };
  sluice::ServerOptions o = test_options();
  o.threads = 2;
  constexpr int kClients = 20;
  {
    ServerThread srv(o, b);
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.push_back(std::make_unique<RawClient>(srv.port()));
      ASSERT_TRUE(clients.back()->handshake()) << "client " << i;
    }
    // Interleave: every client sends before any reads, so the loops work concurrently.
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < kClients; ++i)
        ASSERT_TRUE(clients[static_cast<std::size_t>(i)]->send_frame(
            op::text, "client " + std::to_string(i) + " round " + std::to_string(round)));
      for (int i = 0; i < kClients; ++i) {
        auto f = clients[static_cast<std::size_t>(i)]->read_frame();
        ASSERT_TRUE(f.has_value()) << "client " << i;
        EXPECT_EQ(f->payload, "client " + std::to_string(i) + " round " + std::to_string(round));
      }
    }
    for (auto& c : clients) ASSERT_TRUE(c->send_frame(op::close, close_body(1000)));
    for (auto& c : clients) expect_close_then_eof(*c, 1000);
    EXPECT_TRUE(wait_until([&] { return tally.closes.load() == kClients; }));
  }
  EXPECT_EQ(tally.opens.load(), kClients);
  EXPECT_EQ(tally.messages.load(), 3 * kClients);
  EXPECT_EQ(tally.closes.load(), kClients);
  EXPECT_EQ(tally.codes(), std::vector<std::uint16_t>(kClients, 1000));
  std::lock_guard<std::mutex> lock(m);
  EXPECT_GE(loop_threads.size(), 1u);
  EXPECT_LE(loop_threads.size(), 2u);
}

}  // namespace
}  // namespace sluice_test
