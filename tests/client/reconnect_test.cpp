// Reconnection against sluice-echo run as a separate process, killed by its PID and started
// again on the same port: the client reconnects within the backoff bound, re-subscribes in
// on_reconnect, and a message held while offline is delivered exactly once. Backoff bounds are
// checked with kSlack added: what a busy machine may add to a timer without failing a test.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

namespace sluice_client_test {
namespace {

using sluice::Opcode;
using sluice::SendStatus;

std::string url_for(std::uint16_t port) { return "ws://127.0.0.1:" + std::to_string(port) + "/"; }

constexpr milliseconds kSlack{5000};

TEST(Reconnect, ServerRestartReconnectsResubscribesAndDeliversHeldOnce) {
  auto server = std::make_unique<EchoProcess>();
  const std::uint16_t port = server->port();
  ASSERT_NE(port, 0);
  LoopThread lt;
  Events events;
  events.on_reconnect_hook = [](sluice::ClientWebSocket ws, unsigned) { ws.send_text("resubscribe"); };
  auto o = quick_options();
  o.reconnect.enabled = true;
  o.reconnect.initial_delay = milliseconds(100);
  o.reconnect.max_delay = milliseconds(400);
  o.offline = sluice::OfflineSends::hold;
  TestClient client(lt, url_for(port), o, events);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.opens() == 1; }));
  ASSERT_EQ(client.send("before", Opcode::text), SendStatus::sent);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.count_messages("before") == 1; }));

  server->process().kill_hard();
  server.reset();
  ASSERT_TRUE(events.wait([](const Events& e) { return e.closes() == 1; })) << "the client missed the outage";
  EXPECT_EQ(events.close_events()[0].first, sluice::close_code::abnormal);
  EXPECT_FALSE(client.is_open());

  const std::string held = "held while offline";
  EXPECT_EQ(client.send(held, Opcode::text), SendStatus::queued);
  EXPECT_EQ(client.held_bytes(), held.size());

  // Let a few attempts fail so the backoff reaches its cap.
  ASSERT_TRUE(events.wait([](const Events& e) { return e.errors().size() >= 3; }))
      << "no reconnection attempts while the server is down";
  EXPECT_EQ(events.opens(), 1);
  EXPECT_EQ(events.stopped(), 0);

  server = std::make_unique<EchoProcess>(port);
  ASSERT_EQ(server->port(), port) << "sluice-echo did not come back on the same port";
  auto back = Clock::now();
  ASSERT_TRUE(events.wait([](const Events& e) { return e.opens() == 2; }, milliseconds(400) + 2 * kSlack))
      << "no reconnection after the server came back";
  auto reopened = events.open_times().at(1);
  // The next attempt comes at most max_delay after the last failure (the process start is
  // already behind `back`).
  EXPECT_LE(reopened - back, milliseconds(400) + kSlack)
      << std::chrono::duration_cast<milliseconds>(reopened - back).count() << " ms";

  // on_reconnect runs right after on_open, on the loop thread.
  ASSERT_TRUE(events.wait([](const Events& e) { return !e.reconnects().empty(); })) << "no on_reconnect";
  auto reconnects = events.reconnects();
  ASSERT_EQ(reconnects.size(), 1u);
  EXPECT_GE(reconnects[0], 1u);

  ASSERT_TRUE(events.wait([&](const Events& e) { return e.count_messages(held) >= 1; }))
      << "the held message never came back";
  ASSERT_TRUE(events.wait([](const Events& e) { return e.count_messages("resubscribe") >= 1; }));
  // Anything duplicated would arrive within this pause.
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(events.count_messages(held), 1u) << "the held message was not delivered exactly once";
  EXPECT_EQ(events.count_messages("resubscribe"), 1u);
  EXPECT_EQ(client.held_bytes(), 0u);
  // on_reconnect runs before held messages go out.
  auto msgs = events.messages();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[1].data, "resubscribe");
  EXPECT_EQ(msgs[2].data, held);

  ASSERT_EQ(client.send("after", Opcode::text), SendStatus::sent);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.count_messages("after") == 1; }));
  client.close(1000);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
  EXPECT_EQ(events.opens(), 2);
}

TEST(Reconnect, GivesUpAfterMaxAttemptsWithinTheBackoffBounds) {
  const std::uint16_t port = refused_port();
  LoopThread lt;
  Events events;
  auto o = quick_options();
  o.reconnect.enabled = true;
  o.reconnect.initial_delay = milliseconds(100);
  o.reconnect.max_delay = milliseconds(150);
  o.reconnect.max_attempts = 3;
  auto start = Clock::now();
  TestClient client(lt, url_for(port), o, events);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }))
      << "on_stopped did not come after 3 failures";
  auto errors = events.errors();
  ASSERT_EQ(errors.size(), 3u);
  for (const auto& e : errors) EXPECT_NE(e.find("refused"), std::string::npos) << e;
  EXPECT_EQ(events.opens(), 0);
  // Delays before attempts 2 and 3 are at most min(150, 100 * 2^n) ms each.
  auto times = events.error_times();
  for (std::size_t i = 1; i < times.size(); ++i)
    EXPECT_LE(times[i] - times[i - 1], milliseconds(150) + kSlack) << "gap " << i;
  EXPECT_LE(times.back() - start, milliseconds(300) + kSlack);
  // Nothing more happens after giving up.
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(events.errors().size(), 3u);
  EXPECT_EQ(events.stopped(), 1);
}

TEST(Reconnect, LongOutageHoldsAtMostMaxHeldBytes) {
  const std::uint16_t port = refused_port();
  LoopThread lt;
  Events events;
  auto o = quick_options();
  o.reconnect.enabled = true;
  o.reconnect.initial_delay = milliseconds(5);
  o.reconnect.max_delay = milliseconds(20);
  o.offline = sluice::OfflineSends::hold;
  o.max_held_bytes = 10'000;
  TestClient client(lt, url_for(port), o, events);
  const std::string chunk(1000, 'h');
  int queued = 0, dropped = 0, other = 0;
  std::size_t max_held = 0;
  // Send through at least ten failed attempts, however long a busy machine takes for them.
  auto deadline = Clock::now() + kWait;
  int rounds = 0;
  while (Clock::now() < deadline && rounds < 5000 && (rounds < 30 || events.errors().size() < 10)) {
    ++rounds;
    switch (client.send(chunk, Opcode::binary)) {
      case SendStatus::queued: ++queued; break;
      case SendStatus::dropped: ++dropped; break;
      default: ++other; break;
    }
    max_held = std::max(max_held, client.held_bytes());
    if (rounds > 20) std::this_thread::sleep_for(milliseconds(2));
  }
  EXPECT_EQ(queued, 10);
  EXPECT_EQ(dropped, rounds - 10);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(max_held, 10'000u);
  EXPECT_EQ(client.held_bytes(), 10'000u);
  // Still trying (unlimited attempts), at the capped pace.
  EXPECT_GE(events.errors().size(), 10u);
  EXPECT_EQ(events.stopped(), 0);
  // A held message that does not fit is dropped; one that fits after close() is refused.
  client.close(1000);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
  EXPECT_EQ(client.held_bytes(), 0u);
  EXPECT_EQ(client.send("late", Opcode::text), SendStatus::closed);
}

TEST(Reconnect, OfflineFailRefusesSendsWhileDisconnected) {
  const std::uint16_t port = refused_port();
  LoopThread lt;
  Events events;
  auto o = quick_options();
  o.reconnect.enabled = true;
  o.reconnect.initial_delay = milliseconds(50);
  o.reconnect.max_delay = milliseconds(50);
  o.offline = sluice::OfflineSends::fail;
  TestClient client(lt, url_for(port), o, events);
  ASSERT_TRUE(events.wait([](const Events& e) { return !e.errors().empty(); }));
  EXPECT_EQ(client.send("nowhere", Opcode::text), SendStatus::closed);
  EXPECT_EQ(client.held_bytes(), 0u);
  client.close(1000);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
}

TEST(Reconnect, HeldBeforeTheFirstOpenGoOutOnOpen) {
  // The server is not up yet when the application starts sending.
  const std::uint16_t port = refused_port();
  LoopThread lt;
  Events events;
  auto o = quick_options();
  o.reconnect.enabled = true;
  o.reconnect.initial_delay = milliseconds(50);
  o.reconnect.max_delay = milliseconds(100);
  o.offline = sluice::OfflineSends::hold;
  TestClient client(lt, url_for(port), o, events);
  EXPECT_EQ(client.send("early", Opcode::text), SendStatus::queued);
  ASSERT_TRUE(events.wait([](const Events& e) { return !e.errors().empty(); }));
  EchoProcess server(port);
  ASSERT_EQ(server.port(), port);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.count_messages("early") == 1; }));
  EXPECT_EQ(events.opens(), 1);
  EXPECT_TRUE(events.reconnects().empty()) << "the first open is not a reconnect";
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(events.count_messages("early"), 1u);
  client.close(1000);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
}

TEST(Reconnect, HeldMessagesLargerThanTheSendQueueCapAllArrive) {
  // Held bytes (8 MiB cap) may exceed the connection's send-queue cap (1 MiB, backpressure):
  // every held message must still go out once the connection opens, none silently lost.
  const std::uint16_t port = refused_port();
  LoopThread lt;
  Events events;
  auto o = quick_options();
  o.reconnect.enabled = true;
  o.reconnect.initial_delay = milliseconds(50);
  o.reconnect.max_delay = milliseconds(100);
  o.offline = sluice::OfflineSends::hold;
  o.max_held_bytes = 8 * 1024 * 1024;
  TestClient client(lt, url_for(port), o, events);
  std::vector<std::string> held;
  for (int i = 0; i < 6; ++i) {
    held.push_back(std::string(1024 * 1024, static_cast<char>('a' + i)));
    ASSERT_EQ(client.send(held.back(), Opcode::binary), SendStatus::queued) << "message " << i;
  }
  EXPECT_EQ(client.held_bytes(), 6u * 1024 * 1024);
  EchoProcess server(port);
  ASSERT_EQ(server.port(), port);
  bool all = events.wait([](const Events& e) { return e.messages().size() >= 6; }, 3 * kWait);
  auto got = events.messages();
  EXPECT_TRUE(all) << "only " << got.size() << " of 6 held messages came back";
  for (std::size_t i = 0; i < got.size() && i < held.size(); ++i)
    EXPECT_TRUE(got[i].data == held[i]) << "message " << i << " out of order or changed";
  EXPECT_EQ(client.held_bytes(), 0u);
  client.close(1000);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
}

}  // namespace
}  // namespace sluice_client_test
