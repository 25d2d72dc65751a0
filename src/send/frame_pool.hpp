// FramePool: the memory behind small FrameBuffers. In a busy loop turn every connection that
// read a message encodes its reply, and the flush before the loop sleeps frees them all, so the
// allocator sees a burst of allocations followed by a burst of frees, more than glibc's
// per-thread cache holds. A per-thread free list per size class turns each of those into a
// pointer pop or push. The pool only keeps blocks freed a moment ago and never more than
// kMaxCachedBytes per thread, so memory still follows the traffic; larger blocks, and blocks
// freed while the pool is full, go straight to the heap.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::detail::frame_pool {

// Blocks up to this size (frame bytes plus the FrameBuffer header) come from the pool.
inline constexpr std::size_t kMaxPooledBlock = 8 * 1024;
inline constexpr std::size_t kMaxCachedBytes = 128 * 1024;
// The class of a block that came from the heap and goes back to it.
inline constexpr std::uint8_t kHeapClass = 0xFF;

// Returns a block of at least `bytes`; `cls` receives what free() needs to take it back.
void* allocate(std::size_t bytes, std::uint8_t& cls);
void free(void* block, std::uint8_t cls);

// Bytes this thread's pool holds now (for tests).
std::size_t cached_bytes();

}  // namespace sluice::detail::frame_pool
