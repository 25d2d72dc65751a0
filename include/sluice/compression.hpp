// Compression: whether and how a connection compresses its messages with permessage-deflate
// (RFC 7692), set per server, per client and per topic.
#pragma once

#include <cstdint>

namespace sluice {

enum class Compression : std::uint8_t {
  // Not negotiated: no Sec-WebSocket-Extensions offer is made or accepted.
  off,
  // Every message compressed on its own, by a compressor the connections of a thread share; both
  // ends drop their context after each message, so an idle connection holds nothing for it, and
  // a message published to a topic is compressed once for all subscribers that agreed the same
  // parameters.
  shared,
  // A compressor per connection that keeps its context from one message to the next where the
  // peer allows it (better ratios for similar messages, up to about 300 KiB per connection while
  // it lives); a topic's messages are compressed once per subscriber.
  dedicated,
};

}  // namespace sluice
