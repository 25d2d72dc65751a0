// What happened to one message handed to send(): the per-receiver outcome of the send path.
#pragma once

#include <cstdint>

namespace sluice {

enum class SendStatus : std::uint8_t {
  sent,         // the whole frame went to the socket (or will, in this loop turn's corked flush)
  queued,       // accepted; some bytes wait for the socket to become writable
  would_block,  // backpressure policy: not accepted, the queue is over its cap; retry after on_drain
  dropped,      // discarded by the connection's slow-consumer policy
  closed,       // the connection is closing or closed; nothing was queued
};

constexpr const char* to_string(SendStatus s) {
  switch (s) {
    case SendStatus::sent: return "sent";
    case SendStatus::queued: return "queued";
    case SendStatus::would_block: return "would_block";
    case SendStatus::dropped: return "dropped";
    case SendStatus::closed: return "closed";
  }
  return "unknown";
}

}  // namespace sluice
