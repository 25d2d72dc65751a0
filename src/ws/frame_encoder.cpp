#include "ws/frame_encoder.hpp"

#include <cstring>

namespace sluice::detail {

std::size_t write_frame_header(std::uint8_t* out, Opcode opcode, bool fin, std::uint64_t payload_length,
                               const std::array<std::uint8_t, 4>* mask, std::uint8_t rsv) {
  out[0] = static_cast<std::uint8_t>((fin ? 0x80 : 0) | (rsv & 0x7) << 4 | static_cast<std::uint8_t>(opcode));
  std::uint8_t mask_bit = mask ? 0x80 : 0;
  std::size_t n;
  if (payload_length < 126) {
    out[1] = static_cast<std::uint8_t>(mask_bit | payload_length);
    n = 2;
  } else if (payload_length <= 0xFFFF) {
    out[1] = mask_bit | 126;
    out[2] = static_cast<std::uint8_t>(payload_length >> 8);
    out[3] = static_cast<std::uint8_t>(payload_length);
    n = 4;
  } else {
    out[1] = mask_bit | 127;
    for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(payload_length >> (56 - 8 * i));
    n = 10;
  }
  if (mask) {
    std::memcpy(out + n, mask->data(), 4);
    n += 4;
  }
  return n;
}

}  // namespace sluice::detail
