// Decoding the header of one WebSocket frame (RFC 6455 §5.2) at the start of received bytes,
// whichever side sent it: the raw client reads the server's frames with it, and the client
// tests read the frames sluice::Client sends to a raw listener.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "wire.hpp"

namespace sluice_test {

struct FrameHeader {
  bool fin = false;
  std::uint8_t rsv = 0;  // the three RSV bits, 0..7
  std::uint8_t opcode = 0;
  bool masked = false;
  MaskKey mask{};        // zero when not masked
  std::size_t size = 0;  // bytes of the header itself, mask key included
  std::uint64_t payload_size = 0;
};

// The header at the start of `bytes`; nullopt while the bytes do not hold all of it. The
// payload may still be incomplete: check size + payload_size against what was received.
std::optional<FrameHeader> parse_frame_header(std::string_view bytes);

}  // namespace sluice_test
