// Slow-consumer policies: what a connection does when a message would take its send queue past
// max_buffered_bytes (or the process past its budget). Chosen per server, overridable per topic
// and per connection; see docs/api.md for when to choose which.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "sluice/compression.hpp"

namespace sluice {

enum class SlowConsumerPolicy : std::uint8_t {
  close,         // close the peer with 1008 "slow consumer" (after close_grace, if set)
  drop_newest,   // refuse the new message: SendStatus::dropped
  drop_oldest,   // drop the oldest unsent messages to make room for the new one
  latest,        // conflate: drop unsent messages of the same topic, keep the newest
  backpressure,  // refuse with SendStatus::would_block; on_drain says when to resume
};

inline constexpr std::size_t slow_consumer_policy_count = 5;

constexpr const char* to_string(SlowConsumerPolicy p) {
  switch (p) {
    case SlowConsumerPolicy::close: return "close";
    case SlowConsumerPolicy::drop_newest: return "drop_newest";
    case SlowConsumerPolicy::drop_oldest: return "drop_oldest";
    case SlowConsumerPolicy::latest: return "latest";
    case SlowConsumerPolicy::backpressure: return "backpressure";
  }
  return "unknown";
}

// Parses a policy name as printed by to_string.
std::optional<SlowConsumerPolicy> parse_policy(const char* name);

// Per-topic settings; unset fields fall back to the server's.
struct TopicOptions {
  std::optional<SlowConsumerPolicy> policy;
  int send_buffer_bytes = 0;  // SO_SNDBUF cap applied to each subscriber's socket; 0: none
  // How the topic's messages reach subscribers that negotiated compression: off sends them
  // uncompressed, shared compresses each once per parameter set, dedicated through each
  // subscriber's own compressor; unset: as the server's compression says.
  std::optional<Compression> compression;
};

}  // namespace sluice
