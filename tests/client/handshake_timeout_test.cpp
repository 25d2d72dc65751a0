// A server that accepts TCP but never answers the opening handshake, and one whose listen queue
// is full so that connect() never completes: each attempt ends by itself, on time, with one
// clear on_error, no on_open and one on_stopped. "On time" is never before the deadline, and
// before any other timer could have ended the attempt (kOtherTimers, 20 s): a busy machine may
// be late by seconds without failing the test, a deadline that is ignored still fails it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support.hpp"

namespace sluice_client_test {
namespace {

std::string url_for(std::uint16_t port) { return "ws://127.0.0.1:" + std::to_string(port) + "/"; }

constexpr milliseconds kOtherTimers{20'000};

TEST(HandshakeTimeout, SilentServerHitsHandshakeTimeout) {
  RawListener listener;
  LoopThread lt;
  Events events;
  auto o = quick_options();
  o.connect_timeout = kOtherTimers;
  o.close_timeout = kOtherTimers;
  o.handshake_timeout = milliseconds(300);
  auto start = Clock::now();
  TestClient client(lt, url_for(listener.port()), o, events);
  RawConn conn(listener.accept_one());
  ASSERT_TRUE(conn.valid());
  ASSERT_TRUE(conn.read_head().has_value()) << "the client sent no upgrade request";
  // Never answer.
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }, kOtherTimers / 2))
      << "the client hangs on a server that never answers";
  auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(250));
  auto errors = events.errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("no handshake response"), std::string::npos) << errors[0];
  EXPECT_EQ(events.opens(), 0);
  EXPECT_EQ(events.closes(), 0);
  EXPECT_TRUE(conn.wait_eof()) << "the client kept the TCP connection";
}

// A listener with backlog 0 whose queue is filled and never accepted: Linux drops further SYNs
// (the accept queue is full), so the next connect() stays pending. If the kernel still completes
// the connect (other settings, other kernels) the test cannot produce a pending connect on
// loopback and skips: there is no unroutable address a loopback-only test may use instead.
TEST(HandshakeTimeout, PendingConnectHitsConnectTimeout) {
  RawListener listener(0);
  std::vector<int> fillers;
  auto cleanup = [&] {
    for (int fd : fillers) ::close(fd);
  };
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(listener.port());
  bool full = false;
  for (int i = 0; i < 8 && !full; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    fillers.push_back(fd);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) continue;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 300) == 0) full = true;  // still pending: the queue is full
  }
  if (!full) {
    cleanup();
    GTEST_SKIP() << "the kernel completed every connect to a full listen queue; no pending connect";
  }
  LoopThread lt;
  Events events;
  auto o = quick_options();
  o.handshake_timeout = kOtherTimers;
  o.close_timeout = kOtherTimers;
  o.connect_timeout = milliseconds(300);
  auto start = Clock::now();
  {
    TestClient client(lt, url_for(listener.port()), o, events);
    EXPECT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }, kOtherTimers / 2))
        << "the client hangs on a connect that never completes";
  }
  cleanup();
  auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(250));
  auto errors = events.errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("connect timed out"), std::string::npos) << errors[0];
  EXPECT_EQ(events.opens(), 0);
}

TEST(HandshakeTimeout, CloseDuringTheHandshakeStopsOnceWithoutReconnecting) {
  RawListener listener;
  LoopThread lt;
  Events events;
  auto o = quick_options();
  o.reconnect.enabled = true;
  o.reconnect.initial_delay = milliseconds(20);
  TestClient client(lt, url_for(listener.port()), o, events);
  RawConn conn(listener.accept_one());
  ASSERT_TRUE(conn.valid());
  ASSERT_TRUE(conn.read_head().has_value());
  client.close(1000);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
  EXPECT_TRUE(conn.wait_eof());
  EXPECT_EQ(listener.accept_one(milliseconds(300)), -1) << "reconnected after close()";
  EXPECT_EQ(events.stopped(), 1);
  EXPECT_EQ(events.opens(), 0);
  EXPECT_EQ(events.closes(), 0);
}

}  // namespace
}  // namespace sluice_client_test
