// The out-of-line parts of FramePool (send/frame_pool.hpp): the heap behind it and the
// per-thread cleanup.
#include "send/frame_pool.hpp"

#include <new>
#include <utility>

namespace sluice::detail::frame_pool::pool_detail {

constinit thread_local Pool t_pool{};

namespace {

struct Reaper {
  ~Reaper() {
    for (void*& head : t_pool.heads) {
      while (head) ::operator delete(std::exchange(head, *static_cast<void**>(head)));
    }
    t_pool.bytes = 0;
    t_pool.gone = true;
  }
};

}  // namespace

void* heap_allocate(std::size_t bytes) { return ::operator new(bytes); }

void heap_free(void* block) { ::operator delete(block); }

void arm_reaper() {
  thread_local Reaper reaper;  // constructed, and its destructor registered, on the first call
  (void)reaper;
  t_pool.armed = true;
}

}  // namespace sluice::detail::frame_pool::pool_detail
