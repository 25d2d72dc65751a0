// apply_subscriber_limits: the per-connection parts of a [[topic]] entry, applied to a
// subscriber (a WebSocket or an event stream) when it opens: its slow-consumer policy, its own
// max_buffered_bytes (its low watermark then at most a quarter of it) and its socket's send
// buffer. The entry is the most specific one for the subscription's first pattern; a reload
// changes what later subscribers get.
#pragma once

#include <algorithm>
#include <cstddef>

#include "config/config.hpp"

namespace sluice::relay {

template <typename Handle>  // sluice::WebSocket or sluice::HttpStream
void apply_subscriber_limits(Handle subscriber, const TopicConfig& entry) {
  if (entry.policy) subscriber.set_policy(*entry.policy);
  if (entry.max_buffered_bytes) subscriber.set_max_buffered_bytes(*entry.max_buffered_bytes);
  if (entry.send_buffer_bytes)
    subscriber.set_send_buffer(static_cast<int>(std::min<std::size_t>(*entry.send_buffer_bytes, 1u << 30)));
}

}  // namespace sluice::relay
