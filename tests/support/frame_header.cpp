// Decoding one frame header from received bytes; see frame_header.hpp.
#include "frame_header.hpp"

namespace sluice_test {

std::optional<FrameHeader> parse_frame_header(std::string_view bytes) {
  if (bytes.size() < 2) return std::nullopt;
  auto b = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
  FrameHeader h;
  h.fin = (b(0) & 0x80) != 0;
  h.rsv = static_cast<std::uint8_t>((b(0) >> 4) & 7);
  h.opcode = b(0) & 0x0F;
  h.masked = (b(1) & 0x80) != 0;
  std::uint8_t len7 = b(1) & 0x7F;
  std::size_t length_bytes = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
  h.size = 2 + length_bytes + (h.masked ? 4 : 0);
  if (bytes.size() < h.size) return std::nullopt;
  h.payload_size = len7;
  if (length_bytes > 0) {
    h.payload_size = 0;
    for (std::size_t i = 0; i < length_bytes; ++i) h.payload_size = h.payload_size << 8 | b(2 + i);
  }
  if (h.masked) {
    for (std::size_t i = 0; i < 4; ++i) h.mask[i] = b(2 + length_bytes + i);
  }
  return h;
}

}  // namespace sluice_test
