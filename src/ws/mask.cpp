// The out-of-line half of apply_mask (ws/mask.hpp): long payloads, with AVX2 where the CPU
// has it. The baseline x86-64 build has only SSE2, so the AVX2 loop is compiled for that target
// alone and chosen at run time.
#include "ws/mask.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SLUICE_MASK_AVX2 1
#endif

namespace sluice::detail::mask_detail {
namespace {

#ifdef SLUICE_MASK_AVX2
bool has_avx2() {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return yes;
}

[[gnu::target("avx2"), gnu::always_inline]] inline void mask_32(std::uint8_t* at, __m256i key) {
  auto* p = reinterpret_cast<__m256i*>(at);
  _mm256_storeu_si256(p, _mm256_xor_si256(_mm256_loadu_si256(p), key));
}

// Masks whole 32-byte blocks (four per step while there are); returns how many bytes it did.
[[gnu::target("avx2")]] std::size_t mask_avx2(std::uint8_t* data, std::size_t size, std::uint32_t k) {
  const __m256i key = _mm256_set1_epi32(static_cast<int>(k));
  std::size_t i = 0;
  for (; i + 128 <= size; i += 128) {
    mask_32(data + i, key);
    mask_32(data + i + 32, key);
    mask_32(data + i + 64, key);
    mask_32(data + i + 96, key);
  }
  for (; i + 32 <= size; i += 32) mask_32(data + i, key);
  return i;
}
#endif

}  // namespace

void mask_wide(std::uint8_t* data, std::size_t size, std::uint32_t k) {
  std::size_t done = 0;
#ifdef SLUICE_MASK_AVX2
  if (has_avx2()) done = mask_avx2(data, size, k);
#endif
  mask_words(data + done, size - done, k);
}

}  // namespace sluice::detail::mask_detail
