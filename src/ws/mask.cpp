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
// Asked once, at start-up, rather than behind a guard on every call.
const bool kHasAvx2 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
}();

[[gnu::target("avx2"), gnu::always_inline]] inline void mask_32(std::uint8_t* at, __m256i key) {
  auto* p = reinterpret_cast<__m256i*>(at);
  _mm256_storeu_si256(p, _mm256_xor_si256(_mm256_loadu_si256(p), key));
}

// Masks the whole payload: 32-byte blocks (eight per step while there are, so that the loop's
// own instructions are a small share), then the rest as mask_words does.
[[gnu::target("avx2")]] void mask_avx2(std::uint8_t* data, std::size_t size, std::uint32_t k) {
  const __m256i key = _mm256_set1_epi32(static_cast<int>(k));
  std::size_t i = 0;
  for (; i + 256 <= size; i += 256) {
    std::uint8_t* p = data + i;
    mask_32(p, key);
    mask_32(p + 32, key);
    mask_32(p + 64, key);
    mask_32(p + 96, key);
    mask_32(p + 128, key);
    mask_32(p + 160, key);
    mask_32(p + 192, key);
    mask_32(p + 224, key);
  }
  for (; i + 32 <= size; i += 32) mask_32(data + i, key);
  mask_words(data + i, size - i, k);
}
#endif

}  // namespace

void mask_wide(std::uint8_t* data, std::size_t size, std::uint32_t k) {
#ifdef SLUICE_MASK_AVX2
  if (kHasAvx2) return mask_avx2(data, size, k);
#endif
  mask_words(data, size, k);
}

}  // namespace sluice::detail::mask_detail
