// QueueReaper: frees the send queues of closed connections a slice per loop turn. A connection
// closed with hundreds of thousands of frames queued would otherwise stall its loop while they
// are released one by one; here a small queue goes at once and a big one at most kSlice entries
// per pass, and what it holds stays charged to the budget until it is really freed.
#pragma once

#include <cstdint>
#include <vector>

#include "loop/event_loop.hpp"
#include "loop/loop_client.hpp"
#include "send/memory_budget.hpp"
#include "send/send_queue.hpp"

namespace sluice::detail {

class QueueReaper final : public LoopClient {
 public:
  static constexpr std::size_t kSlice = 4096;

  QueueReaper(EventLoop& loop, MemoryAllowance& memory) : loop_(loop), memory_(memory) {}
  ~QueueReaper();
  QueueReaper(const QueueReaper&) = delete;
  QueueReaper& operator=(const QueueReaper&) = delete;

  // Takes what `q` holds, leaving it empty.
  void take(SendQueue& q);
  bool idle() const { return queues_.empty(); }

  void on_io(std::uint32_t) override {}
  void on_before_sleep() override;

 private:
  EventLoop& loop_;
  MemoryAllowance& memory_;  // what the queues were charged to
  std::vector<SendQueue> queues_;
};

}  // namespace sluice::detail
