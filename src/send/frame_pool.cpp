// The out-of-line parts of FramePool (send/frame_pool.hpp): the heap behind it and the
// per-thread cleanup.
#include "send/frame_pool.hpp"

#include <new>
#include <utility>

#include "mem/large_block.hpp"

namespace sluice::detail::frame_pool::pool_detail {

constinit thread_local Pool t_pool{};

namespace {

thread_local bool t_pool_gone = false;  // the Reaper ran: this thread is ending

void delete_cached() {
  for (void*& head : t_pool.heads) {
    while (head) ::operator delete(std::exchange(head, *static_cast<void**>(head)));
  }
  t_pool.bytes = 0;
}

struct Reaper {
  Reaper() { t_pool.limit = kMaxCachedBytes; }
  ~Reaper() {
    delete_cached();
    t_pool.limit = 0;
    t_pool_gone = true;
  }
};

}  // namespace

void* heap_allocate(std::size_t bytes, std::uint8_t& cls) {
  if (bytes < mem::kLargeBlock) {
    cls = kHeapClass;
    return ::operator new(bytes);
  }
  cls = kMappedClass;
  void* block = mem::map_block(bytes);
  if (!block) throw std::bad_alloc();
  return block;
}

void free_slow(void* block, std::uint8_t cls, std::size_t bytes) {
  if (cls == kMappedClass) return mem::unmap_block(block, bytes);
  if (cls < kClasses && t_pool.limit == 0 && !t_pool_gone) {
    thread_local Reaper reaper;  // constructed (setting the limit) and registered on first use
    (void)reaper;
    return free(block, cls, bytes);
  }
  ::operator delete(block);  // a heap block, the pool is full, or the thread is ending
}

}  // namespace sluice::detail::frame_pool::pool_detail

namespace sluice::detail::frame_pool {

void release_cached() { pool_detail::delete_cached(); }

}  // namespace sluice::detail::frame_pool
