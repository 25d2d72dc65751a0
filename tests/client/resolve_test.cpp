// A URL with a host name: resolved off the loop thread, then connected; closing while the
// resolver still works ends the attempt with exactly one on_stopped.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "support.hpp"

namespace sluice_client_test {
namespace {

TEST(Resolve, HostNameConnectsAndEchoes) {
  EchoProcess server;
  ASSERT_NE(server.port(), 0);
  LoopThread lt;
  Events events;
  TestClient client(lt, "ws://localhost:" + std::to_string(server.port()) + "/", quick_options(), events);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.opens() == 1 || !e.errors().empty(); }));
  ASSERT_EQ(events.opens(), 1) << events.errors().front();
  EXPECT_EQ(client.send("by name", sluice::Opcode::text), sluice::SendStatus::sent);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.count_messages("by name") == 1; }));
  client.close(1000);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
}

TEST(Resolve, CloseWhileResolvingStopsOnce) {
  const std::uint16_t port = refused_port();
  LoopThread lt;
  Events events;
  std::unique_ptr<sluice::Client> client;
  // connect() and close() in one loop task: the resolver's answer arrives after close().
  lt.call([&] {
    client = std::make_unique<sluice::Client>(lt.loop(), "ws://localhost:" + std::to_string(port) + "/",
                                              quick_options(), events.behaviors());
    client->connect();
    client->close(1000);
  });
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() >= 1; }));
  std::this_thread::sleep_for(milliseconds(500));  // the resolver has answered by now
  EXPECT_EQ(events.stopped(), 1) << "on_stopped ran more than once";
  EXPECT_EQ(events.opens(), 0);
  EXPECT_TRUE(events.errors().empty()) << events.errors().front();
  lt.call([&] { client.reset(); });
}

}  // namespace
}  // namespace sluice_client_test
