// FrameParser::next: header decode plus in-place unmasking of masked client frames, as a
// server sees them. Parsing unmasks in place, so each iteration flips the payload back and
// forth; the cost is the same either way and the headers are never touched.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bench_sizes.hpp"
#include "send/frame_buffer.hpp"
#include "ws/frame_parser.hpp"

namespace {

using sluice::Opcode;
using sluice::detail::encode_masked_frame;
using sluice::detail::FrameParser;
using sluice::detail::Role;

// `frames` masked binary frames of `payload` bytes each, back to back as one read would hold them.
std::vector<std::uint8_t> make_wire(std::size_t payload, std::size_t frames) {
  std::string body(payload, 'x');
  std::vector<std::uint8_t> wire;
  for (std::size_t i = 0; i < frames; ++i) {
    auto f = encode_masked_frame(Opcode::binary, body);
    wire.insert(wire.end(), f.get()->data(), f.get()->data() + f.size());
  }
  return wire;
}

void run(benchmark::State& state, std::vector<std::uint8_t>& wire, std::size_t frames) {
  std::size_t done = 0;
  for (auto _ : state) {
    FrameParser parser(Role::server);
    std::span<std::uint8_t> input(wire);
    done = 0;
    while (!input.empty()) {
      FrameParser::Step s = parser.next(input);
      if (s.kind == FrameParser::Step::Kind::error || s.kind == FrameParser::Step::Kind::need_more) break;
      benchmark::DoNotOptimize(s.payload.data());
      done += s.frame_end ? 1 : 0;
    }
    benchmark::ClobberMemory();
  }
  if (done != frames) state.SkipWithError("parser did not yield every frame");
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(frames));
  state.counters["frames_per_iter"] = static_cast<double>(frames);
}

// Many frames of `size` payload bytes in one 256 KiB buffer (bytes counted include headers).
void BM_parse_many_frames(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t kBuffer = 256 << 10;
  std::size_t frames = kBuffer / (size + 8) > 0 ? kBuffer / (size + 8) : 1;
  auto wire = make_wire(size, frames);
  run(state, wire, frames);
}
BENCHMARK(BM_parse_many_frames)->Arg(20)->Arg(1 << 10)->Arg(16 << 10);

// One frame whose whole payload is already in the buffer.
void BM_parse_one_frame(benchmark::State& state) {
  auto wire = make_wire(static_cast<std::size_t>(state.range(0)), 1);
  run(state, wire, 1);
}
BENCHMARK(BM_parse_one_frame)->Arg(16 << 10)->Arg(1 << 20);

}  // namespace
