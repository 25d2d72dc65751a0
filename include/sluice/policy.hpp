// Slow-consumer policies: what a connection does when its send queue reaches max_buffered_bytes.
#pragma once

#include <cstdint>

namespace sluice {

enum class SlowConsumerPolicy : std::uint8_t {
  close,         // close the peer with 1008 "slow consumer"
  drop_newest,   // refuse the new message (SendStatus::dropped)
  backpressure,  // refuse with SendStatus::would_block; on_drain says when to resume
};

}  // namespace sluice
