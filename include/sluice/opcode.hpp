// WebSocket opcodes (RFC 6455 §5.2) as the application sees them in on_message and send().
#pragma once

#include <cstdint>

namespace sluice {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

}  // namespace sluice
