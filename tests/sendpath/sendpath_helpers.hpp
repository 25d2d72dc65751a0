// Helpers the send-path tests share on top of the support library: server options without
// liveness pings, a record of the connections the server opened (WebSocket handles are used on
// the loop thread only), numbered and self-checking payloads, connecting many clients at once,
// and pump(), which sends numbered messages from the loop thread and records each outcome.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/sluice.hpp"
#include "support/deadline.hpp"
#include "support/raw_client.hpp"
#include "support/server_thread.hpp"

namespace sluice_test {

// test_options() without liveness pings or an idle timeout: the send-path tests keep
// connections that read nothing for long stretches.
inline sluice::ServerOptions base_options() {
  sluice::ServerOptions o = test_options();
  o.ping_interval = milliseconds(0);
  o.idle_timeout = milliseconds(0);
  return o;
}

// What the server's callbacks saw. Handles are touched on the loop thread only; the counts
// may be read anywhere.
struct Record {
  std::atomic<int> opens{0};
  std::atomic<int> closes{0};
  std::atomic<int> drains{0};
  std::vector<sluice::WebSocket> open;  // loop thread only, in on_open order
  std::mutex mutex;
  std::vector<std::uint16_t> close_codes;

  std::vector<std::uint16_t> codes() {
    std::lock_guard lock(mutex);
    return close_codes;
  }
};

// Behaviors that keep `r` up to date; `more` adds the test's own callbacks on top.
inline sluice::Behaviors recording(Record& r, sluice::Behaviors more = {}) {
  sluice::Behaviors b = more;
  b.on_open = [&r, f = more.on_open](sluice::WebSocket ws) {
    r.open.push_back(ws);
    if (f) f(ws);
    r.opens.fetch_add(1);
  };
  b.on_close = [&r, f = more.on_close](sluice::WebSocket ws, std::uint16_t code, std::string_view why) {
    std::erase(r.open, ws);
    {
      std::lock_guard lock(r.mutex);
      r.close_codes.push_back(code);
    }
    if (f) f(ws, code, why);
    r.closes.fetch_add(1);
  };
  b.on_drain = [&r, f = more.on_drain](sluice::WebSocket ws) {
    r.drains.fetch_add(1);
    if (f) f(ws);
  };
  return b;
}

// A payload of `size` bytes whose first 8 bytes carry `seq` (little-endian); the rest is a
// pattern derived from seq, so a corrupted or mixed-up message is caught.
inline std::string numbered(std::uint64_t seq, std::size_t size) {
  std::string s(size < 8 ? 8 : size, '\0');
  std::memcpy(s.data(), &seq, 8);
  for (std::size_t i = 8; i < s.size(); ++i) s[i] = static_cast<char>('a' + (seq + i) % 26);
  return s;
}

inline std::uint64_t seq_of(std::string_view payload) {
  std::uint64_t seq = ~0ull;
  if (payload.size() >= 8) std::memcpy(&seq, payload.data(), 8);
  return seq;
}

inline bool intact(std::string_view payload) {
  std::uint64_t seq = seq_of(payload);
  for (std::size_t i = 8; i < payload.size(); ++i)
    if (payload[i] != static_cast<char>('a' + (seq + i) % 26)) return false;
  return true;
}

// Connects `n` clients and completes their handshakes; every one must open.
inline std::vector<std::unique_ptr<RawClient>> connect_clients(std::uint16_t port, int n, int rcvbuf = 0,
                                                               std::size_t buffer_bytes = 256 * 1024) {
  std::vector<std::unique_ptr<RawClient>> out;
  for (int i = 0; i < n; ++i) {
    auto c = std::make_unique<RawClient>(port, rcvbuf, buffer_bytes);
    EXPECT_TRUE(c->connected());
    EXPECT_TRUE(c->handshake());
    out.push_back(std::move(c));
  }
  return out;
}

// One send made by pump(): its sequence number, outcome, and the queue right after it.
struct Sent {
  std::uint64_t seq = 0;
  sluice::SendStatus status = sluice::SendStatus::closed;
  std::size_t buffered = 0;          // buffered_amount() after the send
  std::size_t memory = 0;            // ConnectionStats::buffered_memory (what the cap counts)
  std::uint64_t dropped_so_far = 0;  // ConnectionStats::messages_dropped after the send
  std::uint64_t sent_so_far = 0;     // ConnectionStats::messages_sent (whole frames to the kernel)
};

// How many messages the kernel had taken whole before the first drop: they are a gap-free
// prefix of what the client reads. (Later the kernel may take more between drops, whenever a
// busy machine's timing lets its window open again, so nothing after them is a prefix.)
inline std::uint64_t sent_before_first_drop(const std::vector<Sent>& v) {
  std::uint64_t n = 0;
  for (const Sent& s : v) {
    if (s.dropped_so_far > 0) break;
    n = s.sent_so_far;
  }
  return n;
}

// Sends numbered messages of `size` bytes, `per_turn` per loop turn (one posted task each),
// through `send(seq, payload)` on the loop thread, until `done(history)` holds or `limit` sends
// were made. `conn` picks the connection whose queue is recorded (on the loop thread).
inline std::vector<Sent> pump(ServerThread& srv, const std::function<sluice::WebSocket()>& conn,
                              const std::function<sluice::SendStatus(std::uint64_t, std::string_view)>& send,
                              std::size_t size, const std::function<bool(const std::vector<Sent>&)>& done,
                              int limit, int per_turn = 1, std::uint64_t first_seq = 0) {
  std::vector<Sent> out;
  std::uint64_t seq = first_seq;
  while (static_cast<int>(out.size()) < limit && !done(out)) {
    bool ran = srv.on_loop([&] {
      for (int i = 0; i < per_turn; ++i) {
        std::string m = numbered(seq, size);
        Sent s;
        s.seq = seq++;
        s.status = send(s.seq, m);
        sluice::WebSocket ws = conn();
        s.buffered = ws.buffered_amount();
        sluice::ConnectionStats stats = ws.stats();
        s.memory = stats.buffered_memory;
        s.dropped_so_far = stats.messages_dropped;
        s.sent_so_far = stats.messages_sent;
        out.push_back(s);
      }
    });
    if (!ran) {
      ADD_FAILURE() << "the loop stopped running posted tasks";
      break;
    }
  }
  return out;
}

inline int count(const std::vector<Sent>& v, sluice::SendStatus st) {
  int n = 0;
  for (const Sent& s : v) n += s.status == st;
  return n;
}

}  // namespace sluice_test
