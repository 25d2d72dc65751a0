// TestServer: a real sluice::Server on an ephemeral loopback port, run on its own thread for
// the lifetime of the object. Tally: the callbacks it saw, counted with atomics. Helpers shared
// by the integration tests.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "raw_client.hpp"
#include "sluice/sluice.hpp"

namespace sluice_test {

// Options every test starts from: an ephemeral port, no signal handling, short deadlines so a
// forgotten connection cannot hold the teardown for long.
inline sluice::ServerOptions test_options() {
  sluice::ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.handle_signals = false;
  o.close_timeout = std::chrono::milliseconds(1000);
  o.shutdown_timeout = std::chrono::milliseconds(1000);
  return o;
}

// What the server's callbacks saw.
struct Tally {
  std::atomic<int> upgrades{0};
  std::atomic<int> opens{0};
  std::atomic<int> messages{0};
  std::atomic<int> closes{0};
  std::atomic<int> drains{0};

  void record_close(std::uint16_t code, std::string_view reason) {
    std::lock_guard<std::mutex> lock(mutex);
    close_codes.push_back(code);
    close_reasons.emplace_back(reason);
    closes.fetch_add(1);
  }
  std::vector<std::uint16_t> codes() const {
    std::lock_guard<std::mutex> lock(mutex);
    return close_codes;
  }
  std::vector<std::string> reasons() const {
    std::lock_guard<std::mutex> lock(mutex);
    return close_reasons;
  }

  mutable std::mutex mutex;
  std::vector<std::uint16_t> close_codes;
  std::vector<std::string> close_reasons;
};

// Echo behaviours that count into `t`: every message goes back with its opcode.
inline sluice::Behaviors echo_behaviors(Tally& t) {
  sluice::Behaviors b;
  b.on_open = [&t](sluice::WebSocket) { t.opens.fetch_add(1); };
  b.on_message = [&t](sluice::WebSocket ws, std::string_view data, sluice::Opcode opcode) {
    t.messages.fetch_add(1);
    ws.send(data, opcode);
  };
  b.on_drain = [&t](sluice::WebSocket) { t.drains.fetch_add(1); };
  b.on_close = [&t](sluice::WebSocket, std::uint16_t code, std::string_view reason) {
    t.record_close(code, reason);
  };
  return b;
}

// Polls `pred` until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& pred, milliseconds timeout = kWait) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

class TestServer {
 public:
  TestServer(sluice::ServerOptions options, sluice::Behaviors behaviors,
             const std::function<void(sluice::Server&)>& configure = {})
      : server_(std::move(options), std::move(behaviors)) {
    sluice::set_log_level(sluice::LogLevel::off);
    if (configure) configure(server_);
    server_.listen();
    port_ = server_.port();
    std::packaged_task<void()> task([this] { server_.run(); });
    done_ = task.get_future();
    thread_ = std::thread(std::move(task));
  }

  ~TestServer() {
    if (!stop_and_join()) {
      // run() did not return: a hang in the library. Never let the suite hang with it.
      std::fprintf(stderr, "FATAL: sluice::Server::run() did not return within the deadline\n");
      std::fflush(stderr);
      std::_Exit(3);
    }
  }

  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Stops the server and waits (bounded) for run() to return; false if it did not.
  bool stop_and_join(milliseconds timeout = milliseconds(10'000)) {
    if (!thread_.joinable()) return true;
    server_.stop();
    if (done_.wait_for(timeout) != std::future_status::ready) return false;
    thread_.join();
    try {
      done_.get();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "run() threw: " << e.what();
    }
    return true;
  }

  // True once run() has returned (without stop() from the test).
  bool finished() const { return done_.wait_for(milliseconds(0)) == std::future_status::ready; }

  std::uint16_t port() const { return port_; }
  sluice::Server& server() { return server_; }

 private:
  sluice::Server server_;
  std::uint16_t port_ = 0;
  std::future<void> done_;
  std::thread thread_;
};

// One text round trip on an upgraded client: the message comes back whole and unchanged.
inline void expect_echo(RawClient& c, const std::string& text) {
  ASSERT_TRUE(c.send_frame(op::text, text));
  ReadStatus st = ReadStatus::ok;
  auto f = c.read_frame(kWait, &st);
  ASSERT_TRUE(f.has_value()) << "no echo, read status " << static_cast<int>(st);
  EXPECT_TRUE(f->fin);
  EXPECT_EQ(f->opcode, op::text);
  EXPECT_FALSE(f->masked);
  EXPECT_EQ(f->payload, text);
}

// Reads the server's close frame and checks its code; then the server must end the TCP
// connection (§7.1.1: the server closes first) without sending anything else.
inline void expect_close_then_eof(RawClient& c, std::uint16_t code) {
  ReadStatus st = ReadStatus::ok;
  auto f = c.read_frame(kWait, &st);
  ASSERT_TRUE(f.has_value()) << "no close frame, read status " << static_cast<int>(st);
  ASSERT_EQ(f->opcode, op::close) << "payload: " << f->payload;
  EXPECT_TRUE(f->fin);
  EXPECT_EQ(f->close_code(), code) << "reason: " << f->close_reason();
  std::size_t extra = 0;
  EXPECT_EQ(c.wait_eof(kWait, &extra), ReadStatus::ok) << extra << " byte(s) after the close frame";
}

// The bad-input contract for an upgraded connection: a connection opened before the bad one,
// the bad bytes (followed by a valid frame that must not be processed), the server's close
// frame with `code`, EOF, and the earlier connection still echoing. Counts every callback.
inline void expect_connection_failed(sluice::ServerOptions options, const std::string& bad_bytes,
                                     std::uint16_t code) {
  Tally tally;
  TestServer srv(std::move(options), echo_behaviors(tally));
  RawClient good(srv.port());
  ASSERT_TRUE(good.handshake());
  RawClient bad(srv.port());
  ASSERT_TRUE(bad.handshake());
  ASSERT_TRUE(bad.send_raw(bad_bytes + frame(op::text, "not processed")));
  expect_close_then_eof(bad, code);
  expect_echo(good, "unaffected");
  EXPECT_TRUE(wait_until([&] { return tally.closes.load() == 1; })) << "on_close did not run";
  EXPECT_EQ(tally.opens.load(), 2);
  EXPECT_EQ(tally.messages.load(), 1) << "a message on the failed connection was delivered";
  EXPECT_EQ(tally.closes.load(), 1);
  EXPECT_TRUE(wait_until([&] { return srv.server().stats().connections_open == 1; }))
      << "stats still count the failed connection as open";
}

}  // namespace sluice_test
