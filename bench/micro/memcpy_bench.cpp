// memcpy at the same sizes as the sluice benchmarks: the reference for "as fast as a copy".
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "bench_sizes.hpp"

namespace {

void BM_memcpy(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> src(size, 0x5A);
  std::vector<std::uint8_t> dst(size);
  for (auto _ : state) {
    benchmark::DoNotOptimize(src.data());
    std::memcpy(dst.data(), src.data(), size);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}
BENCHMARK(BM_memcpy)->Apply(sluice_bench::all_sizes);

}  // namespace
