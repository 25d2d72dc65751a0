// Frame header encoding (RFC 6455 §5.2): the bytes that precede a payload on the wire.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "sluice/opcode.hpp"
#include "ws/frame_header.hpp"

namespace sluice::detail {

constexpr std::size_t frame_header_size(std::uint64_t payload_length, bool masked) {
  std::size_t n = payload_length < 126 ? 2 : payload_length <= 0xFFFF ? 4 : 10;
  return masked ? n + 4 : n;
}

// Writes the header into `out` (room for kMaxHeaderSize bytes); returns its size. `rsv`: the
// reserved bits as FrameHeader::rsv holds them (rsv_bit::compressed for permessage-deflate).
std::size_t write_frame_header(std::uint8_t* out, Opcode opcode, bool fin, std::uint64_t payload_length,
                               const std::array<std::uint8_t, 4>* mask = nullptr, std::uint8_t rsv = 0);

}  // namespace sluice::detail
