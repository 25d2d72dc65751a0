// ConnectionLimits: the limits and deadlines every WebSocket connection has, at either end.
// ServerOptions and ClientOptions both start from it, so each limit is declared, documented and
// defaulted once.
#pragma once

#include <chrono>
#include <cstddef>

#include "sluice/compression.hpp"
#include "sluice/policy.hpp"

namespace sluice {

struct ConnectionLimits {
  // Opening handshake (RFC 6455 §4).
  std::size_t max_header_bytes = 8 * 1024;  // request or response line + headers; larger gets 431
  std::size_t max_headers = 64;
  std::chrono::milliseconds handshake_timeout{10'000};

  // Messages.
  std::size_t max_message_size = 16 * 1024 * 1024;  // a larger message closes with 1009, inflated too

  // permessage-deflate (RFC 7692): offered by a client, accepted by a server, when not off.
  Compression compression = Compression::off;
  std::size_t compression_threshold = 64;  // messages shorter than this go uncompressed

  // Send path.
  std::size_t max_buffered_bytes = 1024 * 1024;  // cap on one connection's send queue
  std::size_t low_watermark = 256 * 1024;        // on_drain fires when the queue falls below it
  SlowConsumerPolicy policy = SlowConsumerPolicy::close;
  // Under `close`: how long a connection may stay at its cap (its new messages dropped) before
  // it is closed; 0 closes at once. The episode ends when its queue drains below low_watermark.
  std::chrono::milliseconds close_grace{0};
  // A connection whose queued bytes make no progress this long is closed with 1008; 0: never.
  std::chrono::milliseconds write_timeout{10'000};

  // Liveness: a ping after ping_interval of silence, a close after idle_timeout of silence.
  std::chrono::milliseconds ping_interval{30'000};
  std::chrono::milliseconds idle_timeout{120'000};
  std::chrono::milliseconds close_timeout{5'000};  // wait for the peer's close, then cut
};

}  // namespace sluice
