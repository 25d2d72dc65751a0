// Counters of the send path, per connection and per server, as plain values (a snapshot).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice {

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

struct ServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_closed = 0;  // accepted, then gone for whatever reason

  std::uint64_t connections_open = 0;  // upgraded and not yet closed
  std::uint64_t connections_closed_by_policy = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t messages_dropped = 0;
  std::uint64_t bytes_dropped = 0;
  std::uint64_t sends_refused = 0;  // would_block answers under the backpressure policy
  // Connections answered 503 at max_connections or max_connections_per_ip, or cut while their
  // handshake was the oldest of more than max_handshakes.
  std::uint64_t connections_refused = 0;
  // Sends, message assembly and held input refused because the process budget was reached.
  std::uint64_t budget_refusals = 0;
  std::size_t buffered_bytes = 0;  // queued across every connection now (wire bytes)
  std::size_t buffered_high_water = 0;
  // What the process budget (max_total_buffered_bytes) counts now: queued frames (a frame shared
  // by many queues once), queue entries, messages being assembled, input held while paused.
  std::size_t memory_bytes = 0;
  std::size_t memory_budget_bytes = 0;  // = max_total_buffered_bytes
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
