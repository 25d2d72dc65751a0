// What a test client puts on the wire, byte for byte: opcodes, client frames (masked with a
// fixed key, or deliberately malformed: unmasked, RSV bits set, non-minimal or impossible
// lengths), close bodies, the opening handshake request, and the size a server frame takes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice_test {

// The RFC 6455 §1.3 sample key and the accept value it must produce.
inline constexpr std::string_view kSampleKey = "dGhlIHNhbXBsZSBub25jZQ==";
inline constexpr std::string_view kSampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

namespace op {
inline constexpr std::uint8_t continuation = 0x0;
inline constexpr std::uint8_t text = 0x1;
inline constexpr std::uint8_t binary = 0x2;
inline constexpr std::uint8_t close = 0x8;
inline constexpr std::uint8_t ping = 0x9;
inline constexpr std::uint8_t pong = 0xA;
}  // namespace op

using MaskKey = std::array<std::uint8_t, 4>;

// XORs `payload` with `key` in place (masking and unmasking are the same operation).
void apply_mask(std::span<char> payload, const MaskKey& key);

// How the payload length is written in a hand-built frame.
enum class LengthForm { minimal, len16, len64 };

struct FrameSpec {
  std::uint8_t opcode = op::text;
  std::string payload;
  bool fin = true;
  std::uint8_t rsv = 0;  // the three RSV bits, 0..7
  bool masked = true;
  LengthForm form = LengthForm::minimal;
  std::optional<std::uint64_t> declared_length;  // written instead of payload.size()
};

// Encodes a client frame, masking the payload with a fixed non-zero key when `masked`.
std::string encode_frame(const FrameSpec& spec);
// A valid client frame: masked, minimal length.
std::string frame(std::uint8_t opcode, std::string_view payload, bool fin = true);
// A close frame body: big-endian code then reason.
std::string close_body(std::uint16_t code, std::string_view reason = {});

// A complete upgrade request for `path` with `extra` header lines (each ending in CRLF).
std::string upgrade_request(std::string_view path = "/", std::string_view extra = {},
                            std::string_view key = kSampleKey);

// The number of bytes a server (unmasked) frame with `payload` bytes takes on the wire.
constexpr std::size_t wire_size(std::size_t payload) {
  return payload + (payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10);
}

}  // namespace sluice_test
