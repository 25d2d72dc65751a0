// encode_frame / encode_masked_frame: allocate a FrameBuffer, write the header, copy (and for
// a client, mask) the payload. The frame is released inside the loop, as after a send.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "bench_sizes.hpp"
#include "send/frame_buffer.hpp"

namespace {

using sluice::Opcode;
using sluice::detail::encode_frame;
using sluice::detail::encode_masked_frame;

void BM_encode_frame(benchmark::State& state) {
  std::string payload(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) {
    benchmark::DoNotOptimize(payload.data());
    auto f = encode_frame(Opcode::binary, payload);
    benchmark::DoNotOptimize(f.get()->data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(payload.size()));
}
BENCHMARK(BM_encode_frame)->Apply(sluice_bench::all_sizes);

void BM_encode_masked_frame(benchmark::State& state) {
  std::string payload(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) {
    benchmark::DoNotOptimize(payload.data());
    auto f = encode_masked_frame(Opcode::binary, payload);
    benchmark::DoNotOptimize(f.get()->data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(payload.size()));
}
BENCHMARK(BM_encode_masked_frame)->Apply(sluice_bench::all_sizes);

}  // namespace
