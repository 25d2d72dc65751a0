// Application fds watched with an interest (Server::watch with IoInterest): readable and
// writable readiness are reported as asked, the interest changes with set_interest(), `none`
// keeps the watch quiet, and a callback may unwatch its own fd.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include "integration_helpers.hpp"

namespace sluice_test {
namespace {

struct Pair {
  int fd[2] = {-1, -1};
  Pair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd), 0); }
  ~Pair() {
    ::close(fd[0]);
    ::close(fd[1]);
  }
};

TEST(IoWatch, ReportsWhatItIsAskedForAndChangesWithTheInterest) {
  Pair p;
  ServerThread server(test_options(), {});
  std::atomic<int> readable{0}, writable{0};
  ASSERT_TRUE(server.ask([&] {
    return server.server().watch(p.fd[0], sluice::IoInterest::write, [&](sluice::IoReady r) {
      if (r.readable) readable.fetch_add(1);
      if (r.writable) {
        writable.fetch_add(1);
        server.server().set_interest(p.fd[0], sluice::IoInterest::none);  // once is enough
      }
    });
  }));
  EXPECT_TRUE(wait_until([&] { return writable.load() == 1; }));  // an empty socket takes bytes
  ASSERT_EQ(::write(p.fd[1], "x", 1), 1);
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(readable.load(), 0);  // interest none: quiet
  ASSERT_TRUE(server.on_loop([&] { server.server().set_interest(p.fd[0], sluice::IoInterest::read); }));
  EXPECT_TRUE(wait_until([&] { return readable.load() >= 1; }));
  EXPECT_EQ(writable.load(), 1);
  ASSERT_TRUE(server.on_loop([&] { server.server().unwatch(p.fd[0]); }));
}

TEST(IoWatch, ACallbackMayUnwatchItsOwnFd) {
  Pair p;
  ServerThread server(test_options(), {});
  std::atomic<int> calls{0};
  ASSERT_TRUE(server.ask([&] {
    return server.server().watch(p.fd[0], sluice::IoInterest::read_write, [&](sluice::IoReady) {
      calls.fetch_add(1);
      server.server().unwatch(p.fd[0]);
    });
  }));
  EXPECT_TRUE(wait_until([&] { return calls.load() == 1; }));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace sluice_test
