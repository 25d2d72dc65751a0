// Per-connection settings: a connection's own cap (set_max_buffered_bytes) bounds its queue
// below the server's.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

TEST(ConnectionSettings, AConnectionsOwnCapBoundsItsQueueBelowTheServers) {
  std::optional<sluice::WebSocket> ws;
  sluice::Behaviors b;
  b.on_open = [&](sluice::WebSocket w) {
    w.set_max_buffered_bytes(16 * 1024);
    w.set_policy(sluice::SlowConsumerPolicy::drop_newest);
    ws = w;
  };
  sluice::ServerOptions o = test_options();
  o.max_buffered_bytes = 1024 * 1024;
  o.send_buffer_bytes = 4096;
  ServerThread server(o, b);
  RawClient stalled(server.port(), 4096);
  ASSERT_TRUE(stalled.handshake("/"));
  ASSERT_TRUE(wait_until([&] { return server.ask([&] { return ws.has_value(); }); }));
  const std::string payload(1000, 'x');
  int dropped = 0;
  std::size_t memory = 0;
  ASSERT_TRUE(server.on_loop([&] {
    for (int i = 0; i < 200; ++i)
      if (ws->send(payload) == sluice::SendStatus::dropped) ++dropped;
    memory = ws->buffered_memory();
  }));
  EXPECT_GT(dropped, 0);
  EXPECT_LE(memory, 16u * 1024);
  EXPECT_GT(memory, 8u * 1024);  // it was the connection's cap that held, not something smaller
}

}  // namespace
}  // namespace sluice_test
