// Random bytes for the client side: a fresh masking key for every frame (RFC 6455 §5.3) and the
// Sec-WebSocket-Key nonce (§4.1), from the kernel's CSPRNG (getrandom), fetched in blocks so a
// frame costs no system call.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace sluice::detail {

std::array<std::uint8_t, 4> next_mask_key();
void random_bytes(std::span<std::uint8_t> out);

}  // namespace sluice::detail
