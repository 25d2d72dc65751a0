// FrameHeader: the decoded fixed part of a frame (RFC 6455 §5.2).
#pragma once

#include <array>
#include <cstdint>

#include "sluice/opcode.hpp"

namespace sluice::detail {

struct FrameHeader {
  std::uint64_t payload_length = 0;
  std::array<std::uint8_t, 4> mask{};
  bool fin = true;
  std::uint8_t rsv = 0;  // RSV1-3 as the low three bits
  Opcode opcode = Opcode::binary;
  bool masked = false;

  constexpr bool is_control() const { return (static_cast<std::uint8_t>(opcode) & 0x8) != 0; }
  // 0-2 (continuation, text, binary) and 8-10 (close, ping, pong), as one bit test.
  static constexpr bool is_known(std::uint8_t op) { return (0x0707u >> (op & 0x0F)) & 1u; }
};

// Which side this end is: servers require masked frames, clients reject them.
enum class Role : std::uint8_t { server, client };

inline constexpr std::size_t kMaxHeaderSize = 14;

// The reserved bits as FrameHeader::rsv holds them (RSV1 is the highest).
namespace rsv_bit {
inline constexpr std::uint8_t compressed = 0x4;  // RSV1: the message is compressed (RFC 7692 §6)
}

// The one rule for reserved bits (RFC 6455 §5.2, RFC 7692 §6): only bits an extension
// negotiated, and the compression bit only on the first frame of a data message.
constexpr bool rsv_allowed(std::uint8_t rsv, std::uint8_t allowed, Opcode op) {
  if ((rsv & ~allowed) != 0) return false;
  const bool first_data_frame = op == Opcode::text || op == Opcode::binary;
  return (rsv & rsv_bit::compressed) == 0 || first_data_frame;
}
inline constexpr std::size_t kMaxControlPayload = 125;

}  // namespace sluice::detail
