// Helpers the integration tests share on top of the support library: Tally, what the server's
// callbacks saw, counted with atomics; echo behaviours that count into it; and the checks most
// tests end with (an echo round trip, a close frame then EOF, a connection failed by bad input).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/sluice.hpp"
#include "support/deadline.hpp"
#include "support/raw_client.hpp"
#include "support/server_thread.hpp"

namespace sluice_test {

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

// One text round trip on an upgraded client: the message comes back whole and unchanged.
inline void expect_echo(RawClient& c, const std::string& text) {
  ASSERT_TRUE(c.send_frame(op::text, text));
  ReadStatus st = ReadStatus::ok;
  auto f = c.read_frame(kWait, &st);
  ASSERT_TRUE(f.has_value()) << "no echo, read status " << to_string(st);
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
  ASSERT_TRUE(f.has_value()) << "no close frame, read status " << to_string(st);
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
  // The bad peer never answers the close frame, so the server cuts it at close_timeout; when
  // that fires changes nothing here, and a short one keeps these many tests quick.
  options.close_timeout = milliseconds(100);
  Tally tally;
  ServerThread srv(std::move(options), echo_behaviors(tally));
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
