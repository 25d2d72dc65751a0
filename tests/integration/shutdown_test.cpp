// Shutdown: stop() closes every open connection with 1001, drops half-done handshakes, stops
// accepting, and run() returns once the connections are gone (or the deadline passes).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <vector>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

TEST(Shutdown, StopClosesEveryClientWith1001AndRunReturns) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<RawClient>(srv.port()));
    ASSERT_TRUE(clients.back()->handshake());
    expect_echo(*clients.back(), "hello");
  }
  RawClient half(srv.port());
  ASSERT_TRUE(half.send_raw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  ASSERT_TRUE(wait_until([&] { return tally.opens.load() == 3; }));

  srv.server().stop();
  for (auto& c : clients) {
    auto f = c->read_frame();
    ASSERT_TRUE(f.has_value()) << "no close frame on stop()";
    ASSERT_EQ(f->opcode, op::close);
    EXPECT_EQ(f->close_code(), 1001);
    ASSERT_TRUE(c->send_frame(op::close, close_body(1001)));
  }
  for (auto& c : clients) EXPECT_EQ(c->wait_eof(), ReadStatus::ok);
  EXPECT_NE(half.drain_until_closed(), ReadStatus::timeout) << "a half-done handshake survived stop()";
  EXPECT_TRUE(wait_until([&] { return srv.finished(); })) << "run() did not return";
  EXPECT_EQ(tally.opens.load(), 3);
  EXPECT_EQ(tally.closes.load(), 3);
  EXPECT_EQ(tally.codes(), std::vector<std::uint16_t>(3, 1001));

  // No longer accepting.
  RawClient late(srv.port());
  if (late.connected()) {
    EXPECT_NE(late.drain_until_closed(), ReadStatus::timeout) << "accepted after stop()";
  }
}

TEST(Shutdown, ClientsThatNeverAnswerAreCutByTheDeadline) {
  Tally tally;
  sluice::ServerOptions o = test_options();
  o.shutdown_timeout = milliseconds(500);
  o.close_timeout = milliseconds(500);
  ServerThread srv(o, echo_behaviors(tally));
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<RawClient>(srv.port()));
    ASSERT_TRUE(clients.back()->handshake());
  }
  srv.server().stop();
  for (auto& c : clients) {
    auto f = c->read_frame();
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->close_code(), 1001);
  }
  for (auto& c : clients) EXPECT_NE(c->drain_until_closed(), ReadStatus::timeout);
  EXPECT_TRUE(wait_until([&] { return srv.finished(); })) << "run() did not return";
  EXPECT_EQ(tally.closes.load(), 3);
}

TEST(Shutdown, StopFromACallbackWorks) {
  Tally tally;
  std::atomic<sluice::Server*> server{nullptr};
  sluice::Behaviors b = echo_behaviors(tally);
  b.on_message = [&](sluice::WebSocket ws, std::string_view data, sluice::Opcode opcode) {
    tally.messages.fetch_add(1);
    if (data == "stop" && server.load()) {
      server.load()->stop();
      return;
    }
    ws.send(data, opcode);
  };
  ServerThread srv(test_options(), b);
  server = &srv.server();
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(c.send_frame(op::text, "stop"));
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->opcode, op::close);
  EXPECT_EQ(f->close_code(), 1001);
  ASSERT_TRUE(c.send_frame(op::close, close_body(1001)));
  EXPECT_EQ(c.wait_eof(), ReadStatus::ok);
  EXPECT_TRUE(wait_until([&] { return srv.finished(); })) << "run() did not return";
}

TEST(Shutdown, StopWithNoConnectionsReturnsAtOnce) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  EXPECT_TRUE(srv.stop_and_join(kWait));
}

}  // namespace
}  // namespace sluice_test
