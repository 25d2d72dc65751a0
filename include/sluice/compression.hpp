// Compression: whether and how a connection compresses its messages with permessage-deflate
// (RFC 7692), set per server, per client and per topic.
#pragma once

#include <cstdint>
#include <string_view>

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

// "off", "shared" or "dedicated", as command lines and configuration files spell them.
constexpr std::string_view compression_name(Compression c) {
  return c == Compression::shared ? "shared" : c == Compression::dedicated ? "dedicated" : "off";
}
// The mode `name` spells; false (and `out` untouched) when it spells none.
constexpr bool parse_compression(std::string_view name, Compression& out) {
  for (Compression c : {Compression::off, Compression::shared, Compression::dedicated}) {
    if (name == compression_name(c)) {
      out = c;
      return true;
    }
  }
  return false;
}

}  // namespace sluice
