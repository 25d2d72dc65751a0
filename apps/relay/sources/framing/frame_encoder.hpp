// Frame encoders: the inverse of each decoder, for writing a message back to a device or
// program (a source's sink_topic). Each appends one encoded frame to the caller's buffer, or
// refuses a message that the framing cannot carry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "sources/framing/framing.hpp"

namespace sluice::relay {

enum class EncodeStatus : std::uint8_t {
  ok,
  too_long,     // len16: over 65535 bytes; len32: over 4 GiB - 1
  contains_lf,  // line: the device would see two lines
};

std::string_view describe(EncodeStatus status);

// Appends `payload` framed as:
//   line      payload LF
//   len16/32  big-endian length, payload
//   slip      END, payload with END and ESC escaped, END (the leading END flushes line noise)
//   cobs      COBS-encoded payload, then a zero
//   raw       payload as is
//   datagram  payload as is (the caller sends it as one datagram)
// On a refusal nothing is appended.
EncodeStatus encode_frame(Framing framing, std::span<const std::uint8_t> payload,
                          std::vector<std::uint8_t>& out);

// The most bytes encode_frame() appends for a payload of this size.
std::size_t max_encoded_size(Framing framing, std::size_t payload_bytes);

}  // namespace sluice::relay
