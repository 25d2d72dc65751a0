// Counters of the send path, per connection and per server, as plain values (a snapshot).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "sluice/policy.hpp"

namespace sluice {

// Why a server's connection ended, counted once per connection when its end is decided (the
// first reason wins: a slow consumer closed by its policy stays `policy` however its close
// handshake then ends).
enum class CloseReason : std::uint8_t {
  normal,             // a close handshake, the application's close(), or an HTTP exchange done
  policy,             // the slow-consumer policy closed it (1008)
  write_timeout,      // its queued bytes made no progress for write_timeout
  idle,               // nothing received for idle_timeout, pongs included
  handshake_timeout,  // the request or upgrade did not complete in handshake_timeout
  protocol_error,     // an RFC 6455 violation, invalid UTF-8 or a malformed HTTP request
  message_too_big,    // a message over max_message_size (1009)
  refused,            // over a connection limit, cut at max_handshakes, or refused by on_upgrade
  socket_error,       // the peer vanished without a close frame, or a read or write failed
  shutdown,           // the server is stopping
};
inline constexpr std::size_t close_reason_count = 10;

constexpr const char* to_string(CloseReason r) {
  switch (r) {
    case CloseReason::normal: return "normal";
    case CloseReason::policy: return "policy";
    case CloseReason::write_timeout: return "write_timeout";
    case CloseReason::idle: return "idle";
    case CloseReason::handshake_timeout: return "handshake_timeout";
    case CloseReason::protocol_error: return "protocol_error";
    case CloseReason::message_too_big: return "message_too_big";
    case CloseReason::refused: return "refused";
    case CloseReason::socket_error: return "socket_error";
    case CloseReason::shutdown: return "shutdown";
  }
  return "unknown";
}

struct ConnectionStats {
  std::uint64_t messages_sent = 0;     // frames the socket took completely
  std::uint64_t bytes_sent = 0;        // bytes the socket took (frames, headers included)
  std::uint64_t messages_dropped = 0;  // discarded by the slow-consumer policy
  std::uint64_t bytes_dropped = 0;
  std::size_t buffered_bytes = 0;  // = buffered_amount()
  // What the queued frames hold in memory, allocator overhead included: what max_buffered_bytes
  // and low_watermark are compared with (a 1-byte message queued costs about 100 bytes).
  std::size_t buffered_memory = 0;
  std::size_t buffered_high_water = 0;  // largest buffered_bytes seen
  std::size_t kernel_unsent_bytes = 0;  // in the socket's send buffer, not yet acknowledged (SIOCOUTQ)
};

// Buckets of ServerStats::delivery_latency: bucket k counts deliveries that took less than
// delivery_latency_bound(k) = 16 µs x 2^k (16 µs .. 16.8 s); the last one counts the rest.
inline constexpr std::size_t delivery_latency_buckets = 22;
constexpr double delivery_latency_bound(std::size_t k) { return 16e-6 * static_cast<double>(1ull << k); }

struct ServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_closed = 0;  // accepted, then gone for whatever reason
  // By CloseReason, counted when the end is decided: a connection in its close handshake is
  // already here and not yet in connections_closed (for at most close_timeout).
  std::array<std::uint64_t, close_reason_count> connections_closed_by_reason{};
  std::uint64_t messages_received = 0;  // complete messages from peers (control frames not counted)
  std::uint64_t bytes_received = 0;     // bytes read from sockets, HTTP and framing included
  // Time from Server::publish (or WebSocket::publish) to the write that handed the message to
  // a receiver's socket, for about one delivery in ServerOptions::delivery_latency_sampling
  // (each receiver alike); per bucket, not cumulative; resolution 16 µs.
  std::array<std::uint64_t, delivery_latency_buckets> delivery_latency{};
  double delivery_latency_seconds = 0;  // their sum

  std::uint64_t connections_open = 0;  // upgraded and not yet closed
  std::uint64_t connections_closed_by_policy = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t messages_dropped = 0;
  std::uint64_t bytes_dropped = 0;
  // messages_dropped by the policy that dropped them, indexed by SlowConsumerPolicy.
  std::array<std::uint64_t, slow_consumer_policy_count> messages_dropped_by_policy{};
  std::uint64_t sends_refused = 0;  // would_block answers under the backpressure policy
  // Connections answered 503 at max_connections or max_connections_per_ip, or cut while their
  // handshake was the oldest of more than max_handshakes.
  std::uint64_t connections_refused = 0;
  // Sends, message assembly and held input refused because the process budget was reached.
  std::uint64_t budget_refusals = 0;
  // Publishes from other threads that a thread's full inbox refused (its subscribers missed
  // them; ServerOptions::max_inbound_publishes), and tasks Server::post refused.
  std::uint64_t inbound_publishes_refused = 0;
  std::uint64_t posts_refused = 0;
  std::size_t buffered_bytes = 0;  // queued across every connection now (wire bytes)
  std::size_t buffered_high_water = 0;
  // What the process budget (max_total_buffered_bytes) counts now: queued frames (a frame shared
  // by many queues once), queue entries, messages being assembled, input held while paused.
  std::size_t memory_bytes = 0;
  std::size_t memory_budget_bytes = 0;  // = max_total_buffered_bytes

  // From each worker's once-a-second pass over its connections (at most a second old):
  std::uint64_t connections_handshaking = 0;  // accepted, not upgraded (plain HTTP included)
  std::uint64_t connections_closing = 0;      // upgraded, in their close handshake or draining
  // In the sockets' send buffers, not yet acknowledged (SIOCOUTQ, summed; with more than 1,024
  // connections on a worker, estimated from a sample of them).
  std::size_t kernel_unsent_bytes = 0;
  // The longest any worker's loop has gone without that pass: about 1,000 while every loop
  // turns; a loop stuck in a callback lets it grow.
  std::uint64_t loop_silence_ms = 0;
};

// One upgraded connection as Server::connections() reports it.
struct ConnectionInfo {
  std::string peer;                     // "address:port"
  std::string description;              // what Behaviors::describe said of it; empty when unset
  std::size_t buffered_bytes = 0;       // queued in user space (buffered_amount())
  std::size_t kernel_unsent_bytes = 0;  // in the socket's send buffer (SIOCOUTQ)
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_dropped = 0;
};

// What one queued message of `payload_size` bytes counts against max_buffered_bytes (and, sent
// to one connection, against the process budget): the memory its frame occupies, allocator
// overhead included, and its queue entry. For sizing caps: 1 MiB holds about 10,000 queued
// 1-byte messages, or 805 of 1 KiB.
std::size_t queued_message_cost(std::size_t payload_size);

// Send outcomes of one publish, one count per receiver.
struct PublishResult {
  std::uint32_t sent = 0;
  std::uint32_t queued = 0;
  std::uint32_t would_block = 0;
  std::uint32_t dropped = 0;
  std::uint32_t closed = 0;
  std::uint32_t receivers() const { return sent + queued + would_block + dropped + closed; }
};

}  // namespace sluice
