// MemoryBudget: the process-wide limit (max_total_buffered_bytes) on the memory a server holds
// on its peers' behalf: queued frames and their queue entries, frames shared by many queues,
// messages being assembled, input held while a connection's reading is paused. Each loop thread
// takes an allowance from it in chunks (MemoryAllowance) and charges its own slot against that,
// so a send compares two local numbers and touches no shared cache line; the sum of what was
// granted never passes the limit. A shared frame is charged once, straight to the budget, and
// uncharged by whichever thread frees it. The last eighth of the budget is kept for holders that
// stay small (a queue or a message buffer under kSmallHolder): peers that fill the budget are
// refused first, and everyone else's small replies still get through.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "send/counters.hpp"

namespace sluice::detail {

class MemoryBudget {
 public:
  static constexpr std::size_t kSmallHolder = 64 * 1024;

  MemoryBudget(std::size_t limit, int slots)
      : slots_(std::make_unique<Slot[]>(static_cast<std::size_t>(slots))),
        slot_count_(slots),
        limit_(limit),
        large_limit_(limit - limit / 8) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  Counter& slot(int i) { return slots_[static_cast<std::size_t>(i)].used; }

  // Grants `bytes` more unless that takes what is granted past the limit (for a holder over
  // kSmallHolder, past the limit less its last eighth).
  bool reserve(std::size_t bytes, bool large_holder) {
    const std::uint64_t before = reserved_.fetch_add(bytes, std::memory_order_relaxed);
    if (before + bytes <= (large_holder ? large_limit_ : limit_)) return true;
    reserved_.fetch_sub(bytes, std::memory_order_relaxed);
    return false;
  }
  void release(std::size_t bytes) { reserved_.fetch_sub(bytes, std::memory_order_relaxed); }
  // Over the threshold where big holders are refused?
  bool big_holders_refused() const { return reserved_.load(std::memory_order_relaxed) > large_limit_; }

  // A frame about to be shared: charged here whatever the limit says (it exists already).
  void charge_shared(std::size_t bytes) {
    shared_.fetch_add(bytes, std::memory_order_relaxed);
    reserved_.fetch_add(bytes, std::memory_order_relaxed);
  }
  void uncharge_shared(std::size_t bytes) {
    shared_.fetch_sub(bytes, std::memory_order_relaxed);
    reserved_.fetch_sub(bytes, std::memory_order_relaxed);
  }

  // What the slots and shared frames hold now (for stats; a few loads per thread).
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
  std::size_t large_limit_;
  alignas(64) std::atomic<std::uint64_t> reserved_{0};  // granted to the slots, plus shared frames
  std::atomic<std::uint64_t> shared_{0};
};

// One loop thread's share of a MemoryBudget: what it holds (its slot) and what it was granted.
// Single-threaded, like the loop it belongs to.
class MemoryAllowance {
 public:
  static constexpr std::size_t kChunk = 64 * 1024;

  MemoryAllowance(MemoryBudget& budget, int slot) : budget_(budget), used_(budget.slot(slot)) {}
  ~MemoryAllowance() { budget_.release(granted_); }
  MemoryAllowance(const MemoryAllowance&) = delete;
  MemoryAllowance& operator=(const MemoryAllowance&) = delete;

  // May a holder that would then hold `holder_after` in all take `extra` more bytes? The usual
  // answer comes from the allowance already granted; the budget is asked for a chunk more only
  // when it runs out.
  bool admits(std::size_t extra, std::size_t holder_after) {
    if (used_.get() + extra <= granted_ &&
        (holder_after <= MemoryBudget::kSmallHolder || !budget_.big_holders_refused())) [[likely]]
      return true;
    return grow(extra, holder_after);
  }
  void charge(std::size_t bytes) { used_.add(bytes); }
  void uncharge(std::size_t bytes) {
    used_.sub(bytes);
    give_back_spare();
  }
  // For the write path, which frees a frame per message: give_back_spare() follows once a queue
  // that backed up has drained, when what was granted for it is no longer needed.
  void uncharge_written(std::size_t bytes) { used_.sub(bytes); }
  // What is no longer needed goes back, so that other threads can have it.
  void give_back_spare() {
    if (granted_ > used_.get() + 2 * kChunk) [[unlikely]]
      give_back();
  }
  std::size_t used() const { return used_.get(); }
  const MemoryBudget& budget() const { return budget_; }

 private:
  bool grow(std::size_t extra, std::size_t holder_after) {
    const bool large = holder_after > MemoryBudget::kSmallHolder;
    const std::uint64_t after = used_.get() + extra;
    if (after <= granted_) return !budget_.big_holders_refused() || !large;
    const std::size_t need = static_cast<std::size_t>(after - granted_);
    std::size_t grant = need < kChunk ? kChunk : need;
    if (!budget_.reserve(grant, large)) {
      grant = need;  // without the chunk's slack, what is asked may still fit
      if (!budget_.reserve(grant, large)) return false;
    }
    granted_ += grant;
    return true;
  }
  void give_back() {
    const std::size_t keep = used_.get() + kChunk;
    budget_.release(granted_ - keep);
    granted_ = keep;
  }

  MemoryBudget& budget_;
  Counter& used_;
  std::size_t granted_ = 0;
};

}  // namespace sluice::detail
