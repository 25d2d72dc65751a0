// MemoryBudget: the process-wide limit (max_total_buffered_bytes) on the memory a server holds
// on its peers' behalf: queued frames and their queue entries, frames shared by many queues,
// messages being assembled, input held while a connection's reading is paused. Each loop thread
// charges its own slot (one writer, so no atomic read-modify-write on the hot path); a shared
// frame is charged once, to the shared tally, and uncharged by whichever thread frees it.
// The last eighth of the budget is kept for holders that stay small (a queue or a message
// buffer under kSmallHolder): peers that fill the budget are refused first, and everyone else's
// small replies still get through.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "send/counters.hpp"

namespace sluice::detail {

class MemoryBudget {
 public:
  MemoryBudget(std::size_t limit, int slots)
      : slots_(std::make_unique<Slot[]>(static_cast<std::size_t>(slots))),
        slot_count_(slots),
        limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  Counter& slot(int i) { return slots_[static_cast<std::size_t>(i)].used; }
  std::atomic<std::uint64_t>& shared() { return shared_; }

  static constexpr std::size_t kSmallHolder = 64 * 1024;

  // Would `extra` more bytes, taking one holder to `holder_after`, pass the limit? Reads every
  // slot: a few loads per worker thread, with no lock and no shared cache line written.
  bool would_exceed(std::size_t extra, std::size_t holder_after) const {
    const std::size_t after = used() + extra;
    return after > limit_ || (holder_after > kSmallHolder && after > limit_ - limit_ / 8);
  }
  std::size_t used() const {
    std::uint64_t total = shared_.load(std::memory_order_relaxed);
    for (int i = 0; i < slot_count_; ++i) total += slots_[static_cast<std::size_t>(i)].used.get();
    return static_cast<std::size_t>(total);
  }
  std::size_t limit() const { return limit_; }

 private:
  // A cache line each, so that loops charging their own slots do not contend.
  struct alignas(64) Slot {
    Counter used;
  };
  std::unique_ptr<Slot[]> slots_;
  int slot_count_;
  std::size_t limit_;
  alignas(64) std::atomic<std::uint64_t> shared_{0};
};

}  // namespace sluice::detail
