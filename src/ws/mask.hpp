// XOR masking (RFC 6455 §5.3). Applied in place; `phase` is the offset of data[0] within the
// frame's payload, so a payload split across reads unmasks correctly chunk by chunk.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sluice::detail {

void apply_mask(std::uint8_t* data, std::size_t size, const std::array<std::uint8_t, 4>& key,
                std::size_t phase);

}  // namespace sluice::detail
