#include "ws/mask.hpp"

#include <cstring>

namespace sluice::detail {

void apply_mask(std::uint8_t* data, std::size_t size, const std::array<std::uint8_t, 4>& key,
                std::size_t phase) {
  std::uint8_t k[4];
  for (int i = 0; i < 4; ++i) k[i] = key[(phase + static_cast<std::size_t>(i)) & 3];
  std::size_t i = 0;
  // Word-at-a-time: the rotated key repeated in 8 bytes; the compiler vectorises this loop.
  std::uint64_t k8;
  std::uint8_t kb[8] = {k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]};
  std::memcpy(&k8, kb, 8);
  for (; i + 8 <= size; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, data + i, 8);
    w ^= k8;
    std::memcpy(data + i, &w, 8);
  }
  for (; i < size; ++i) data[i] ^= k[i & 3];
}

}  // namespace sluice::detail
