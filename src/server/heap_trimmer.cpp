#include "server/heap_trimmer.hpp"

#include <malloc.h>

#include <chrono>

#include "log.hpp"

namespace sluice::detail {

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
  if (peak_memory_ - s.memory_bytes >= kDrop || freed - freed_at_trim_ >= kDrop ||
      peak_connections_ - connections >= kConnectionDrop) {
    auto t0 = std::chrono::steady_clock::now();
#ifdef __GLIBC__
    ::malloc_trim(0);
#endif
    log(LogLevel::debug, "returned free heap to the system after a drop from {} to {} bytes held ({} us)",
        peak_memory_, s.memory_bytes,
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
    peak_memory_ = s.memory_bytes;
    peak_connections_ = connections;
    freed_at_trim_ = freed;
  }
  loop_.schedule(this, std::chrono::seconds(1));
}

}  // namespace sluice::detail
