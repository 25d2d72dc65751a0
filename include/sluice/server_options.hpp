// ServerOptions: every limit and deadline of a Server, with its default.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "sluice/policy.hpp"

namespace sluice {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9001;  // 0 picks a free port; Server::port() tells which
  int threads = 1;            // each thread runs its own loop and SO_REUSEPORT listener
  int backlog = 1024;

  // Connection limits. A connection past max_connections (this server's, handshakes included)
  // or past max_connections_per_ip (per IPv4 address; per /64 for IPv6) is answered 503 at once
  // and closed. 0: no limit.
  std::size_t max_connections = 0;
  std::size_t max_connections_per_ip = 0;
  // Handshakes in flight (accepted, not yet upgraded), shared evenly by the threads. Past it the
  // oldest is cut to make room, so connections that never finish a handshake cannot keep new
  // clients out. The same happens to the oldest when the process runs out of file descriptors.
  // 0: no limit.
  std::size_t max_handshakes = 1024;

  // Opening handshake (RFC 6455 §4).
  std::size_t max_header_bytes = 8 * 1024;  // request line + headers; larger gets 431
  std::size_t max_headers = 64;
  std::chrono::milliseconds handshake_timeout{10'000};

  // Plain HTTP requests (routes). A body larger than max_body_bytes is answered 413; a kept-alive
  // connection waits keep_alive_timeout for its next request.
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds keep_alive_timeout{5'000};

  // Messages.
  std::size_t max_message_size = 16 * 1024 * 1024;  // a larger message closes with 1009

  // Send path.
  std::size_t max_buffered_bytes = 1024 * 1024;  // cap on one connection's send queue
  std::size_t low_watermark = 256 * 1024;        // on_drain fires when the queue falls below it
  std::size_t max_total_buffered_bytes = 1024ull * 1024 * 1024;  // budget across all connections
  SlowConsumerPolicy policy = SlowConsumerPolicy::close;
  // Under `close`: how long a connection may stay at its cap (its new messages dropped) before
  // it is closed; 0 closes at once. The episode ends when its queue drains below low_watermark.
  std::chrono::milliseconds close_grace{0};
  // A connection whose queued bytes make no progress this long is closed with 1008; 0: never.
  std::chrono::milliseconds write_timeout{10'000};
  // SO_SNDBUF for every accepted socket, bounding what the kernel holds behind a stalled peer;
  // 0 keeps the kernel's default (which grows up to net.ipv4.tcp_wmem's maximum).
  int send_buffer_bytes = 0;

  // Liveness: a ping after ping_interval of silence, a close after idle_timeout of silence.
  std::chrono::milliseconds ping_interval{30'000};
  std::chrono::milliseconds idle_timeout{120'000};
  std::chrono::milliseconds close_timeout{5'000};  // wait for the peer's close, then cut

  // ServerStats::delivery_latency times about one delivery of a published message in this many
  // (at random gaps), from its publish to the write that took it; 1 times every one, 0 none.
  // Each published message is stamped (a clock reading per publish), each delivery pays a
  // countdown, and each timed one a few dozen instructions.
  std::uint32_t delivery_latency_sampling = 16;

  // SIGINT/SIGTERM stop the server: stop accepting, close everyone with 1001, drain, return.
  bool handle_signals = true;
  std::chrono::milliseconds shutdown_timeout{5'000};
};

}  // namespace sluice
