// A server that answers the upgrade with a bad Sec-WebSocket-Accept: refused with a clear error
// naming the header, no on_open, no message delivered, and on_stopped (no reconnect unless asked).
#include <gtest/gtest.h>

#include <string>

#include "support.hpp"

namespace sluice_client_test {
namespace {

std::string url_for(std::uint16_t port) { return "ws://127.0.0.1:" + std::to_string(port) + "/"; }

// Answers one upgrade request with a 101 whose Sec-WebSocket-Accept is wrong.
void answer_with_bad_accept(RawListener& listener) {
  RawConn conn(listener.accept_one());
  ASSERT_TRUE(conn.valid());
  auto head = conn.read_head();
  ASSERT_TRUE(head.has_value());
  std::string key = header_value(*head, "Sec-WebSocket-Key");
  ASSERT_FALSE(key.empty());
  // The accept value of a different key, followed by a frame that must never be delivered.
  std::string wrong = accept_for("dGhlIHNhbXBsZSBub25jZQ==");
  ASSERT_NE(wrong, accept_for(key));
  ASSERT_TRUE(
      conn.write_all("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: " +
                     wrong + "\r\n\r\n" + std::string("\x81\x02hi", 4)));
  EXPECT_TRUE(conn.wait_eof()) << "the client kept a refused connection";
}

TEST(BadAccept, BadAcceptIsRefusedWithAClearError) {
  RawListener listener;
  LoopThread lt;
  Events events;
  TestClient client(lt, url_for(listener.port()), quick_options(), events);
  ASSERT_NO_FATAL_FAILURE(answer_with_bad_accept(listener));
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
  auto errors = events.errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("Sec-WebSocket-Accept"), std::string::npos) << errors[0];
  EXPECT_EQ(events.opens(), 0);
  EXPECT_EQ(events.closes(), 0);
  EXPECT_TRUE(events.messages().empty());
  // No reconnection without the option: nobody connects again.
  EXPECT_EQ(listener.accept_one(milliseconds(300)), -1);
  EXPECT_EQ(events.stopped(), 1);
}

TEST(BadAccept, BadAcceptCountsAsAFailedAttemptForReconnect) {
  RawListener listener;
  LoopThread lt;
  Events events;
  auto o = quick_options();
  o.reconnect.enabled = true;
  o.reconnect.initial_delay = milliseconds(20);
  o.reconnect.max_delay = milliseconds(50);
  o.reconnect.max_attempts = 2;
  TestClient client(lt, url_for(listener.port()), o, events);
  ASSERT_NO_FATAL_FAILURE(answer_with_bad_accept(listener));
  ASSERT_NO_FATAL_FAILURE(answer_with_bad_accept(listener));
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
  EXPECT_EQ(events.errors().size(), 2u);
  EXPECT_EQ(events.opens(), 0);
  EXPECT_TRUE(events.reconnects().empty());
  EXPECT_EQ(listener.accept_one(milliseconds(300)), -1) << "a third attempt after max_attempts=2";
}

}  // namespace
}  // namespace sluice_client_test
