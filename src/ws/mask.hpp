// XOR masking (RFC 6455 §5.3). Applied in place; `phase` is the offset of data[0] within the
// frame's payload, so a payload split across reads unmasks correctly chunk by chunk. Short
// payloads (most messages) are masked inline, a word at a time; longer ones out of line, with
// AVX2 where the CPU has it.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sluice::detail {

namespace mask_detail {

// From this size on the out-of-line path (wide registers, chosen at run time) is quicker.
inline constexpr std::size_t kWideFrom = 128;

// The key as a word whose bytes, in memory order, mask data[0..3] when data[0] sits at
// `phase` within the payload.
inline std::uint32_t rotated_key(const std::array<std::uint8_t, 4>& key, std::size_t phase) {
  std::uint32_t k;
  std::memcpy(&k, key.data(), 4);
  const int bits = static_cast<int>(8 * (phase & 3));
  if constexpr (std::endian::native == std::endian::little) return std::rotr(k, bits);
  return std::rotl(k, bits);
}

// XORs sizeof(Word) bytes at p with `key` (memcpy: p may be unaligned).
template <typename Word>
inline void xor_word(std::uint8_t* p, Word key) {
  Word w;
  std::memcpy(&w, p, sizeof w);
  w ^= key;
  std::memcpy(p, &w, sizeof w);
}

// 16-byte blocks (SSE2 on baseline x86-64), then a word, then the last few bytes. Every step
// covers a multiple of four bytes, so the key's phase stays where it started.
inline void mask_words(std::uint8_t* data, std::size_t size, std::uint32_t k) {
  using Block = std::uint32_t __attribute__((vector_size(16)));
  std::size_t i = 0;
  if (size >= 16) {
    const Block k16 = {k, k, k, k};
    for (; i + 16 <= size; i += 16) xor_word(data + i, k16);
  }
  const std::uint64_t k8 = static_cast<std::uint64_t>(k) << 32 | k;
  if (i + 8 <= size) {
    xor_word(data + i, k8);
    i += 8;
  }
  if (i + 4 <= size) {
    xor_word(data + i, k);
    i += 4;
  }
  if constexpr (std::endian::native == std::endian::little) {
    for (; i < size; ++i, k >>= 8) data[i] ^= static_cast<std::uint8_t>(k);  // the low byte is next
  } else {
    for (; i < size; ++i, k <<= 8) data[i] ^= static_cast<std::uint8_t>(k >> 24);
  }
}

void mask_wide(std::uint8_t* data, std::size_t size, std::uint32_t k);

}  // namespace mask_detail

inline void apply_mask(std::uint8_t* data, std::size_t size, const std::array<std::uint8_t, 4>& key,
                       std::size_t phase) {
  const std::uint32_t k = mask_detail::rotated_key(key, phase);
  if (size >= mask_detail::kWideFrom) return mask_detail::mask_wide(data, size, k);
  mask_detail::mask_words(data, size, k);
}

}  // namespace sluice::detail
