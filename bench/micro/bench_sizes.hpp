// The sizes every micro-benchmark reports at, so each row lines up with memcpy's.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>

namespace sluice_bench {

inline constexpr std::int64_t kSizes[] = {20, 1 << 10, 16 << 10, 1 << 20};

// All four sizes: 20 B, 1 KiB, 16 KiB, 1 MiB.
inline void all_sizes(benchmark::internal::Benchmark* b) {
  for (std::int64_t s : kSizes) b->Arg(s);
}

}  // namespace sluice_bench
