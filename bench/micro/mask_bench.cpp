// apply_mask: the XOR unmasking every client-to-server payload byte goes through.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <vector>

#include "bench_sizes.hpp"
#include "ws/mask.hpp"

namespace {

using sluice::detail::apply_mask;

constexpr std::array<std::uint8_t, 4> kKey = {0x37, 0xFA, 0x21, 0x3D};

// Aligned buffer, phase 0: a frame's payload at the start of a read buffer.
void BM_apply_mask(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> buf(size, 0x5A);
  for (auto _ : state) {
    apply_mask(buf.data(), size, kKey, 0);
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}
BENCHMARK(BM_apply_mask)->Apply(sluice_bench::all_sizes);

// Odd address and phase 3: a payload that starts mid-buffer, continued from a previous read.
void BM_apply_mask_unaligned(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> buf(size + 1, 0x5A);
  for (auto _ : state) {
    apply_mask(buf.data() + 1, size, kKey, 3);
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}
BENCHMARK(BM_apply_mask_unaligned)->Apply(sluice_bench::all_sizes);

}  // namespace
