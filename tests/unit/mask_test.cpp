// apply_mask (RFC 6455 §5.3): the word-at-a-time and wide (AVX2 where present) XOR must equal
// the byte-by-byte definition for every size and every starting phase.
#include "ws/mask.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace sluice::detail {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::array<std::uint8_t, 4> kKey = {0x37, 0xfa, 0x21, 0x3d};

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 31);
  return out;
}

// RFC 6455 §5.3: transformed-octet-i = original-octet-i XOR masking-key-octet-(i MOD 4), where
// i counts from the start of the payload; `phase` is the payload offset of data[0].
void naive_mask(std::uint8_t* data, std::size_t size, const std::array<std::uint8_t, 4>& key,
                std::size_t phase) {
  for (std::size_t i = 0; i < size; ++i) data[i] ^= key[(phase + i) % 4];
}

// 0-100 for the inline word loop; 120-300 across the start of the wide path (blocks of 128 and
// 32 bytes, then words and bytes); two long payloads.
std::vector<std::size_t> sizes_to_check() {
  std::vector<std::size_t> sizes;
  for (std::size_t n = 0; n <= 100; ++n) sizes.push_back(n);
  for (std::size_t n = 120; n <= 300; ++n) sizes.push_back(n);
  sizes.push_back(16 * 1024 + 3);
  sizes.push_back(65536);
  return sizes;
}

TEST(Mask, EqualsNaiveLoopForEverySizeAndPhase) {
  for (std::size_t size : sizes_to_check()) {
    for (std::size_t phase = 0; phase < 4; ++phase) {
      // Also at every alignment of the buffer, since the fast path reads 8 bytes at a time.
      for (std::size_t align = 0; align < 8; ++align) {
        Bytes fast(size + align + 8, 0x5A), slow;
        const Bytes original = pattern(size, static_cast<std::uint8_t>(size + phase));
        std::copy(original.begin(), original.end(), fast.begin() + static_cast<std::ptrdiff_t>(align));
        slow = fast;
        apply_mask(fast.data() + align, size, kKey, phase);
        naive_mask(slow.data() + align, size, kKey, phase);
        ASSERT_EQ(fast, slow) << "size " << size << " phase " << phase << " align " << align;
      }
    }
  }
}

TEST(Mask, ApplyingTwiceRestoresData) {
  for (std::size_t size = 0; size <= 100; ++size) {
    for (std::size_t phase = 0; phase < 4; ++phase) {
      const Bytes original = pattern(size, 7);
      Bytes data = original;
      apply_mask(data.data(), size, kKey, phase);
      if (size > 0) {
        EXPECT_NE(data, original);
      }
      apply_mask(data.data(), size, kKey, phase);
      ASSERT_EQ(data, original) << "size " << size << " phase " << phase;
    }
  }
}

TEST(Mask, PhaseContinuesAcrossChunks) {
  // Masking a payload in two pieces, the second at phase = first piece's length, equals one pass.
  const Bytes original = pattern(37, 3);
  Bytes whole = original;
  apply_mask(whole.data(), whole.size(), kKey, 0);
  for (std::size_t cut = 0; cut <= original.size(); ++cut) {
    Bytes pieces = original;
    apply_mask(pieces.data(), cut, kKey, 0);
    apply_mask(pieces.data() + cut, pieces.size() - cut, kKey, cut);
    ASSERT_EQ(pieces, whole) << "cut " << cut;
  }
}

TEST(Mask, PhaseIsTakenModuloFour) {
  const Bytes original = pattern(20, 9);
  Bytes a = original, b = original;
  apply_mask(a.data(), a.size(), kKey, 1);
  apply_mask(b.data(), b.size(), kKey, 4 * 1000 + 1);
  EXPECT_EQ(a, b);
}

TEST(Mask, MatchesRfc6455Example) {
  Bytes hello = {'H', 'e', 'l', 'l', 'o'};
  apply_mask(hello.data(), hello.size(), kKey, 0);
  EXPECT_EQ(hello, (Bytes{0x7f, 0x9f, 0x4d, 0x51, 0x58}));
}

TEST(Mask, ZeroKeyLeavesDataUnchanged) {
  const Bytes original = pattern(50, 1);
  Bytes data = original;
  apply_mask(data.data(), data.size(), {0, 0, 0, 0}, 3);
  EXPECT_EQ(data, original);
}

}  // namespace
}  // namespace sluice::detail
