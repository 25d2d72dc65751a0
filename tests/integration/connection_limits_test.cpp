// Connection limits: past max_connections or max_connections_per_ip a new connection is
// answered 503 at once and closed, never left holding an fd; past max_handshakes the oldest
// handshake in flight is cut to make room, so silent connections cannot keep clients out.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

// An upgrade request from `source` (a loopback address) over a plain socket; returns the status
// line of the answer, or "" when none came.
std::string handshake_from(const char* source, std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    std::string req = upgrade_request();
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[256];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) out.assign(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out.substr(0, out.find("\r\n"));
}

TEST(ConnectionLimits, PastMaxConnectionsANewConnectionIsAnswered503AtOnceAndClosed) {
  sluice::ServerOptions o = test_options();
  o.max_connections = 3;
  o.handshake_timeout = milliseconds(30'000);  // only the limit can explain a quick answer
  Tally tally;
  ServerThread srv(o, echo_behaviors(tally));
  std::vector<std::unique_ptr<RawClient>> admitted;
  for (int i = 0; i < 3; ++i) {
    admitted.push_back(std::make_unique<RawClient>(srv.port()));
    ASSERT_TRUE(admitted.back()->handshake());
  }
  RawClient refused(srv.port());
  HttpReply reply;
  EXPECT_FALSE(refused.handshake("/", {}, &reply));
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(refused.drain_until_closed(milliseconds(5000)), ReadStatus::ok)
      << "the refused socket stays open";
  EXPECT_EQ(srv.stats().connections_refused, 1u);
  expect_echo(*admitted[0], "still served");

  // A place freed is a place taken.
  admitted[2]->close();
  ASSERT_TRUE(wait_until([&] { return srv.stats().connections_closed >= 2; }));
  RawClient next(srv.port());
  EXPECT_TRUE(next.handshake());
  expect_echo(next, "admitted");
}

TEST(ConnectionLimits, MaxConnectionsPerIpCountsEachPeerAddressOnItsOwn) {
  sluice::ServerOptions o = test_options();
  o.max_connections_per_ip = 2;
  Tally tally;
  ServerThread srv(o, echo_behaviors(tally));
  RawClient a(srv.port()), b(srv.port());
  ASSERT_TRUE(a.handshake());
  ASSERT_TRUE(b.handshake());
  EXPECT_EQ(handshake_from("127.0.0.1", srv.port()), "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(handshake_from("127.0.0.2", srv.port()), "HTTP/1.1 101 Switching Protocols");
  EXPECT_EQ(srv.stats().connections_refused, 1u);
  expect_echo(a, "a");
}

TEST(ConnectionLimits, PastMaxHandshakesTheOldestHandshakeIsCutSoANewClientIsServed) {
  sluice::ServerOptions o = test_options();
  o.max_handshakes = 4;
  o.handshake_timeout = milliseconds(30'000);  // only the limit can cut them
  Tally tally;
  ServerThread srv(o, echo_behaviors(tally));
  std::vector<std::unique_ptr<RawClient>> silent;
  for (int i = 0; i < 4; ++i) {
    silent.push_back(std::make_unique<RawClient>(srv.port()));
    ASSERT_TRUE(silent.back()->connected());
    // One at a time, so that they are accepted, and so aged, in this order.
    ASSERT_TRUE(
        wait_until([&] { return srv.stats().connections_accepted == static_cast<std::uint64_t>(i + 1); }));
  }
  RawClient fresh(srv.port());
  ASSERT_TRUE(fresh.handshake());
  expect_echo(fresh, "served");
  EXPECT_EQ(silent[0]->drain_until_closed(milliseconds(5000)), ReadStatus::ok) << "the oldest was not cut";
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(silent[i]->drain_until_closed(milliseconds(100)), ReadStatus::timeout) << "silent " << i;
  }
  EXPECT_EQ(srv.stats().connections_refused, 1u);
}

}  // namespace
}  // namespace sluice_test
