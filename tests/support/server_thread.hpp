// ServerThread: a real sluice::Server on an ephemeral loopback port, run on its own thread for
// the lifetime of the object, with the options every socket-level test starts from. A task can
// be run on the loop thread and waited for; a server whose run() does not return ends the
// process rather than hang the suite.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <optional>
#include <thread>

#include "deadline.hpp"
#include "sluice/sluice.hpp"

namespace sluice_test {

// An ephemeral port, no signal handling, and short deadlines so that a forgotten connection
// cannot hold the teardown for long.
sluice::ServerOptions test_options();

class ServerThread {
 public:
  // `configure` runs before listen() (routes, say).
  ServerThread(sluice::ServerOptions options, sluice::Behaviors behaviors,
               const std::function<void(sluice::Server&)>& configure = {});
  ~ServerThread();
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  // Stops the server and waits (bounded) for run() to return; false if it did not.
  bool stop_and_join(milliseconds timeout = milliseconds(15'000));
  // True once run() has returned (without stop() from the test).
  bool finished() const {
    return !done_.valid() || done_.wait_for(milliseconds(0)) == std::future_status::ready;
  }

  // Runs `fn` on the loop thread inside a loop turn and waits for it; false if it did not run.
  bool on_loop(std::function<void()> fn, milliseconds timeout = kWait);

  // The value `fn` returns on the loop thread. A loop that no longer runs posted tasks is a
  // hang in the library: the process ends rather than block the suite.
  template <typename Fn>
  auto ask(Fn fn) -> decltype(fn()) {
    std::optional<decltype(fn())> out;
    if (!on_loop([&] { out.emplace(fn()); }) || !out) fatal("the server loop did not run a posted task", 4);
    return *out;
  }

  std::uint16_t port() const { return port_; }
  sluice::Server& server() { return server_; }
  sluice::ServerStats stats() const { return server_.stats(); }

 private:
  [[noreturn]] static void fatal(const char* what, int code);

  sluice::Server server_;
  std::uint16_t port_ = 0;
  std::future<void> done_;
  std::thread thread_;
};

}  // namespace sluice_test
