// HeapTrimmer: gives freed heap memory back to the system after a burst. glibc keeps what a
// burst of small frames or connections freed in its free lists, so without this the RSS a
// hostile peer once caused stays long after it left. Once a second it compares what the server
// holds with the peak since the last trim, and counts what closing connections let go; after a
// drop or a release of kDrop or more it calls malloc_trim, which returns every free page (a
// bounded schedule: at most once a second, and only after memory was let go, or after kConnectionDrop
// connections closed however briefly they lived). A page is free
// only when no live block is left on it, so each loop first empties its frame pool and its
// send queues' block cache, whose cached blocks would otherwise pin a page each. The release
// matters with several threads: what one loop's closed connections freed stays resident in that
// thread's heap while another loop fills the budget again, and the net figure never drops.
#pragma once

#include <cstddef>
#include <cstdint>

#include "loop/event_loop.hpp"
#include "loop/loop_client.hpp"
#include "server/server_core.hpp"

namespace sluice::detail {

class HeapTrimmer final : public LoopClient {
 public:
  static constexpr std::size_t kDrop = 1024 * 1024;
  static constexpr std::uint64_t kConnectionDrop = 1000;  // connections gone, each with its heap

  HeapTrimmer(EventLoop& loop, const ServerCore& core);
  ~HeapTrimmer();
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;

  void on_io(std::uint32_t) override {}
  void on_timer() override;

 private:
  void trim_after_pools_released(std::size_t from, std::size_t to);

  EventLoop& loop_;
  const ServerCore& core_;
  std::size_t peak_memory_ = 0;  // since the last trim
  std::uint64_t peak_connections_ = 0;
  std::uint64_t freed_at_trim_ = 0;   // memory_freed_on_close at the last trim
  std::uint64_t closed_at_trim_ = 0;  // connections closed by the last trim
};

}  // namespace sluice::detail
