// Counters: one worker's share of the server-wide send-path counters. Only the worker's own
// thread writes them (plain load+store, no read-modify-write), any thread may read a snapshot.
#pragma once

#include <atomic>
#include <cstdint>

namespace sluice::detail {

class Counter {
 public:
  void add(std::uint64_t n) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void sub(std::uint64_t n) { v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
  void raise_to(std::uint64_t n) {
    if (n > v_.load(std::memory_order_relaxed)) v_.store(n, std::memory_order_relaxed);
  }
  std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

struct Counters {
  Counter connections_accepted;
  Counter connections_open;
  Counter connections_closed_by_policy;
  Counter messages_sent;
  Counter bytes_sent;
  Counter messages_dropped;
  Counter bytes_dropped;
  Counter sends_refused;
  Counter buffered_bytes;  // queued on this worker's connections now
  Counter buffered_high_water;
};

}  // namespace sluice::detail
