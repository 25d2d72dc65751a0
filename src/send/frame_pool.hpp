// FramePool: the memory behind small FrameBuffers. In a busy loop turn every connection that
// read a message encodes its reply, and the flush before the loop sleeps frees them all, so the
// allocator sees a burst of allocations followed by a burst of frees, more than glibc's
// per-thread cache holds. A per-thread free list per size class turns each of those into a
// pointer pop or push, inline. The pool only keeps blocks freed a moment ago and never more than
// kMaxCachedBytes per thread, so memory still follows the traffic; larger blocks, and blocks
// freed while the pool is full, go straight to the heap, and blocks from mem::kLargeBlock on are
// mapped and unmapped (mem/large_block.hpp), so a burst of big frames leaves nothing behind.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "mem/footprint.hpp"
#include "mem/large_block.hpp"

namespace sluice::detail::frame_pool {

// Blocks up to this size (frame bytes plus the FrameBuffer header) come from the pool.
inline constexpr std::size_t kMaxPooledBlock = 8 * 1024;
inline constexpr std::size_t kMaxCachedBytes = 128 * 1024;
// The classes of a block that came from the heap (malloc) or was mapped, and goes back there.
inline constexpr std::uint8_t kHeapClass = 0xFF;
inline constexpr std::uint8_t kMappedClass = 0xFE;

namespace pool_detail {

// Four classes per power of two from 64 bytes (64, 80, 96, 112, 128, 160, ...), so a block is
// never more than a quarter larger than what was asked for.
inline constexpr unsigned kMinShift = 6;
inline constexpr unsigned kClasses = 1 + 4 * (std::bit_width(kMaxPooledBlock - 1) - kMinShift);

constexpr unsigned class_of(std::size_t bytes) {
  if (bytes <= (std::size_t{1} << kMinShift)) return 0;
  unsigned e = static_cast<unsigned>(std::bit_width(bytes - 1)) - 1;  // 2^e < bytes <= 2^(e+1)
  unsigned shift = e - 2;
  std::size_t quarter = std::size_t{1} << shift;
  std::size_t sub = (bytes - (std::size_t{1} << e) + quarter - 1) >> shift;  // 1..4
  return (e - kMinShift) * 4 + static_cast<unsigned>(sub);
}

// Indexed by any class byte: past the last class (kHeapClass among them) the size is too large
// for the pool to keep, so free() needs no separate test for heap blocks.
inline constexpr std::array<std::uint32_t, 256> kClassSize = [] {
  std::array<std::uint32_t, 256> sizes{};
  sizes[0] = 1u << kMinShift;
  for (unsigned c = 1; c < kClasses; ++c) {
    unsigned e = (c - 1) / 4 + kMinShift;
    unsigned sub = (c - 1) % 4 + 1;
    sizes[c] = (1u << e) + (sub << (e - 2));
  }
  for (unsigned c = kClasses; c < 256; ++c) sizes[c] = 1u << 31;
  return sizes;
}();
static_assert(kClassSize[class_of(kMaxPooledBlock)] == kMaxPooledBlock);
static_assert(class_of(kMaxPooledBlock) == kClasses - 1 && kClasses < kMappedClass);

// What a pooled block of each class costs the heap.
inline constexpr std::array<std::uint32_t, kClasses> kClassFootprint = [] {
  std::array<std::uint32_t, kClasses> sizes{};
  for (unsigned c = 0; c < kClasses; ++c)
    sizes[c] = static_cast<std::uint32_t>(mem::malloc_footprint(kClassSize[c]));
  return sizes;
}();

// Every class size is a multiple of 16, so the class of a size is a table lookup.
inline constexpr std::array<std::uint8_t, kMaxPooledBlock / 16> kClassOf16 = [] {
  std::array<std::uint8_t, kMaxPooledBlock / 16> table{};
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = static_cast<std::uint8_t>(class_of(16 * (i + 1)));
  return table;
}();

// Trivially destructible and constant-initialised, so the inline paths read it without a
// thread_local guard. `limit` is 0 until a Reaper (frame_pool.cpp) is armed to empty the pool
// when the thread ends, and 0 again once it has: then every free takes the slow path.
struct Pool {
  void* heads[kClasses];  // each free block holds the next one's address
  std::size_t bytes;
  std::size_t limit;
};
extern constinit thread_local Pool t_pool;

void* heap_allocate(std::size_t bytes, std::uint8_t& cls);  // a malloc'd or a mapped block
void free_slow(void* block, std::uint8_t cls, std::size_t bytes);

}  // namespace pool_detail

// What a block of class `cls`, asked for with `bytes`, occupies.
inline std::size_t footprint(std::uint8_t cls, std::size_t bytes) {
  using namespace pool_detail;
  if (cls < kClasses) return kClassFootprint[cls];
  return cls == kMappedClass ? mem::page_footprint(bytes) : mem::malloc_footprint(bytes);
}

// Returns a block of at least `bytes` (> 0); `cls` receives what free() needs to take it back,
// `occupies` its footprint() (known without a test on the pooled path).
inline void* allocate(std::size_t bytes, std::uint8_t& cls, std::size_t& occupies) {
  using namespace pool_detail;
  if (bytes > kMaxPooledBlock) {
    void* block = heap_allocate(bytes, cls);
    occupies = footprint(cls, bytes);
    return block;
  }
  const unsigned c = kClassOf16[(bytes - 1) / 16];
  cls = static_cast<std::uint8_t>(c);
  occupies = kClassFootprint[c];
  Pool& pool = t_pool;
  if (void* block = pool.heads[c]) {
    pool.heads[c] = *static_cast<void**>(block);
    pool.bytes -= kClassSize[c];
    return block;
  }
  return ::operator new(kClassSize[c]);
}

// `bytes` is what was asked of allocate().
inline void free(void* block, std::uint8_t cls, std::size_t bytes) {
  using namespace pool_detail;
  Pool& pool = t_pool;
  const std::size_t size = kClassSize[cls];
  if (pool.bytes + size > pool.limit) return free_slow(block, cls, bytes);
  *static_cast<void**>(block) = pool.heads[cls];
  pool.heads[cls] = block;
  pool.bytes += size;
}

// The class allocate() gives a block of `bytes`.
inline std::uint8_t class_for(std::size_t bytes) {
  using namespace pool_detail;
  if (bytes <= kMaxPooledBlock) return kClassOf16[(bytes - 1) / 16];
  return bytes < mem::kLargeBlock ? kHeapClass : kMappedClass;
}

// Gives every block this thread's pool caches back to the heap. The blocks were freed at many
// moments and lie scattered over the heap's pages, each page kept resident by one of them, so
// a heap trim after a burst asks each loop's thread to do this first.
void release_cached();

// Bytes this thread's pool holds now (for tests).
inline std::size_t cached_bytes() { return pool_detail::t_pool.bytes; }

}  // namespace sluice::detail::frame_pool
