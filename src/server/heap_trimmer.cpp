#include "server/heap_trimmer.hpp"

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "log.hpp"
#include "send/frame_pool.hpp"
#include "send/send_queue.hpp"
#include "server/worker.hpp"

namespace sluice::detail {

namespace {

void trim_heap(std::size_t from, std::size_t to) {
  auto t0 = std::chrono::steady_clock::now();
#ifdef __GLIBC__
  ::malloc_trim(0);
#endif
  log(LogLevel::debug, "returned free heap to the system after a drop from {} to {} bytes held ({} us)", from,
      to,
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace

HeapTrimmer::HeapTrimmer(EventLoop& loop, const ServerCore& core) : loop_(loop), core_(core) {
  loop_.schedule(this, std::chrono::seconds(1));
}

HeapTrimmer::~HeapTrimmer() { loop_.forget(this); }

void HeapTrimmer::on_timer() {
  ServerStats s = core_.stats();
  const std::uint64_t connections = s.connections_accepted - s.connections_closed;
  peak_memory_ = std::max(peak_memory_, s.memory_bytes);
  peak_connections_ = std::max(peak_connections_, connections);
  const std::uint64_t freed = core_.memory_freed_on_close();
  // Closes are counted, not only sampled: a storm that comes and goes between two ticks never
  // shows in the peak.
  if (peak_memory_ - s.memory_bytes >= kDrop || freed - freed_at_trim_ >= kDrop ||
      peak_connections_ - connections >= kConnectionDrop ||
      s.connections_closed - closed_at_trim_ >= kConnectionDrop) {
    trim_after_pools_released(peak_memory_, s.memory_bytes);
    peak_memory_ = s.memory_bytes;
    peak_connections_ = connections;
    freed_at_trim_ = freed;
    closed_at_trim_ = s.connections_closed;
  }
  loop_.schedule(this, std::chrono::seconds(1));
}

// Every loop's thread empties its frame pool and block cache first, and the last one to have
// done so trims.
void HeapTrimmer::trim_after_pools_released(std::size_t from, std::size_t to) {
  auto pending = std::make_shared<std::atomic<std::size_t>>(core_.workers.size());
  auto release_then_trim = [pending, from, to] {
    frame_pool::release_cached();
    SendQueue::release_cached_blocks();
    if (pending->fetch_sub(1) == 1) trim_heap(from, to);
  };
  for (const auto& worker : core_.workers) worker->loop().post_control(release_then_trim);
}

}  // namespace sluice::detail
