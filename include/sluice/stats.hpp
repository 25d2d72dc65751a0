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
  std::size_t buffered_bytes = 0;       // = buffered_amount()
  std::size_t buffered_high_water = 0;  // largest buffered_bytes seen
  std::size_t kernel_unsent_bytes = 0;  // in the socket's send buffer, not yet acknowledged (SIOCOUTQ)
};

struct ServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;  // upgraded and not yet closed
  std::uint64_t connections_closed_by_policy = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t messages_dropped = 0;
  std::uint64_t bytes_dropped = 0;
  std::uint64_t sends_refused = 0;  // would_block answers under the backpressure policy
  std::size_t buffered_bytes = 0;   // queued across every connection now
  std::size_t buffered_high_water = 0;
};

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
