// What a block of memory really costs, as opposed to the bytes asked for. glibc adds an 8-byte
// size header to every malloc'd chunk and rounds it up to 16 bytes (32 at least); a block that
// is mapped costs whole pages. The send caps, the process budget and message assembly charge
// these figures, so a queue of tiny frames is charged what it holds (sizes are exact for glibc
// on 64-bit Linux and an upper bound for allocators with less overhead).
#pragma once

#include <cstddef>

namespace sluice::detail::mem {

inline constexpr std::size_t kPageSize = 4096;

constexpr std::size_t malloc_footprint(std::size_t bytes) {
  const std::size_t chunk = (bytes + 8 + 15) & ~std::size_t{15};
  return chunk < 32 ? 32 : chunk;
}

constexpr std::size_t page_footprint(std::size_t bytes) { return (bytes + kPageSize - 1) & ~(kPageSize - 1); }

static_assert(malloc_footprint(1) == 32 && malloc_footprint(24) == 32 && malloc_footprint(25) == 48);
static_assert(malloc_footprint(64) == 80 && page_footprint(1) == kPageSize);

}  // namespace sluice::detail::mem
