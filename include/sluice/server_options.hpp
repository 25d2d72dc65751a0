// ServerOptions: every limit and deadline of a Server, with its default: the connection limits
// every WebSocket has (sluice/limits.hpp), and what only a server has.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "sluice/limits.hpp"
#include "sluice/policy.hpp"
#include "sluice/tls.hpp"

namespace sluice {

struct ServerOptions : ConnectionLimits {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9001;  // 0 picks a free port; Server::port() tells which
  int threads = 1;            // each thread runs its own loop and SO_REUSEPORT listener
  int backlog = 1024;
  // TLS (wss://, https for routes): certificates set here make every connection TLS. The opening
  // handshake_timeout covers the TLS handshake too. Server::reload_tls() reads them again.
  ServerTlsOptions tls;

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

  // Plain HTTP requests (routes). A body larger than max_body_bytes is answered 413; a kept-alive
  // connection waits keep_alive_timeout for its next request.
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds keep_alive_timeout{5'000};

  // Send path (the per-connection cap and its policy are in ConnectionLimits).
  std::size_t max_total_buffered_bytes = 1024ull * 1024 * 1024;  // budget across all connections
  // Work for a thread's loop from other threads, bounded per thread like every queue. Publishes
  // (Server::publish called off that loop's thread) wait in an inbox of at most
  // max_inbound_publishes messages and max_inbound_publish_bytes of frames (their memory, as
  // the caps count it); what does not fit is not delivered on that thread and is counted in
  // ServerStats::inbound_publishes_refused. A producer that checks topic_blocked() never gets
  // there: every topic is blocked while more than low_watermark waits for any thread. Tasks
  // (Server::post) past max_posted_tasks are refused: post() returns false.
  std::size_t max_inbound_publishes = 4096;
  std::size_t max_inbound_publish_bytes = 64 * 1024 * 1024;
  std::size_t max_posted_tasks = 65'536;

  // SO_SNDBUF for every accepted socket, bounding what the kernel holds behind a stalled peer;
  // 0 keeps the kernel's default (which grows up to net.ipv4.tcp_wmem's maximum).
  int send_buffer_bytes = 0;

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
