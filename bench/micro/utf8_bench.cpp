// Utf8Validator::feed: every text message's bytes are validated once.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "bench_sizes.hpp"
#include "ws/utf8.hpp"

namespace {

using sluice::detail::Utf8Validator;

// Exactly `size` bytes of valid UTF-8 built from `pattern`; the tail that cannot hold a whole
// character of the pattern is padded with ASCII.
std::string make_text(std::string_view pattern, std::size_t size) {
  std::string s;
  s.reserve(size);
  std::size_t i = 0;
  while (s.size() < size) {
    auto lead = static_cast<unsigned char>(pattern[i]);
    std::size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    if (s.size() + len > size) {
      s.append(size - s.size(), 'a');
      break;
    }
    s.append(pattern.substr(i, len));
    i = (i + len) % pattern.size();
  }
  return s;
}

void run(benchmark::State& state, const std::string& text) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
  Utf8Validator v;
  for (auto _ : state) {
    v.reset();
    benchmark::DoNotOptimize(data);
    bool ok = v.feed(data, text.size());
    benchmark::DoNotOptimize(ok);
  }
  if (!v.complete()) state.SkipWithError("test text is not valid UTF-8");
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

void BM_utf8_ascii(benchmark::State& state) {
  run(state, make_text("The quick brown fox jumps over the lazy dog. 0123456789 {\"k\":[1,2]}\n",
                       static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_utf8_ascii)->Apply(sluice_bench::all_sizes);

// Latin with accents (2-byte), CJK (3-byte), emoji (4-byte) and ASCII interleaved: about
// half the bytes belong to multi-byte characters.
void BM_utf8_mixed(benchmark::State& state) {
  run(state,
      make_text("Gr\u00fc\u00dfe, \u4e16\u754c! caf\u00e9 \U0001F600 na\u00efve \u65e5\u672c\u8a9e ok\n",
                static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_utf8_mixed)->Apply(sluice_bench::all_sizes);

}  // namespace
