// Sending one stored message, or a notice, to one subscriber during its catch-up (history
// replay, retained value, a broker's read): as a raw frame or an envelope, within the room its
// send queue leaves (CatchUpRoom), so that a replay is bounded by the subscriber's cap like any
// other send and the client is always told what it did not get.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <sluice/sluice.hpp>

#include "relay/subscription_request.hpp"
#include "topics/envelope.hpp"

namespace sluice::relay {

// What a notice costs at most in a send queue: its envelope is short.
inline constexpr std::size_t kNoticeBytes = 128 + max_topic_bytes;
// A resumed topic sends at most three notices: a reset, a gap for what the history no longer
// holds, and a gap where the cap cut its replay.
inline constexpr std::size_t kNoticesPerTopic = 3;

// What a new subscriber's catch-up may queue: its cap, less room for every notice it may still
// have to send. A queue with nothing in it takes one message of any size.
struct CatchUpRoom {
  std::size_t cap;
  std::size_t notices_reserved;

  bool fits(WebSocket ws, std::size_t bytes) const {
    const std::size_t queued = ws.buffered_memory();
    return queued == 0 || queued + queued_message_cost(bytes) + notices_reserved <= cap;
  }
};

inline std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline std::string_view text_of(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// One message, as the subscriber asked for it; false when it was not sent (no room).
bool send_message(WebSocket ws, Format format, const EnvelopeMessage& message, const CatchUpRoom& room);

}  // namespace sluice::relay
