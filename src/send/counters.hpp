// Counters: one endpoint's share of the send-path counters (a server worker's or a client's).
// Only the owning loop thread writes them (no locked read-modify-write); any thread may read a
// snapshot.
#pragma once

#include <atomic>
#include <cstdint>

#include "sluice/policy.hpp"
#include "sluice/stats.hpp"

// A relaxed load and store of an atomic cannot be merged into one instruction by the compiler,
// and a message passes about ten counters: on x86-64 an unlocked `add` to memory does the same
// in one (an aligned 8-byte write is seen whole by a reader on another core). The sanitizers see
// the portable form.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#if defined(__has_feature)
#if !__has_feature(address_sanitizer) && !__has_feature(thread_sanitizer)
#define SLUICE_COUNTER_ADD_ASM 1
#endif
#else
#define SLUICE_COUNTER_ADD_ASM 1
#endif
#endif

namespace sluice::detail {

class Counter {
 public:
#ifdef SLUICE_COUNTER_ADD_ASM
  void add(std::uint64_t n) { asm("addq %1, %0" : "+m"(raw()) : "er"(n)); }
  void sub(std::uint64_t n) { asm("subq %1, %0" : "+m"(raw()) : "er"(n)); }
#else
  void add(std::uint64_t n) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void sub(std::uint64_t n) { v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
#endif
  void raise_to(std::uint64_t n) {
    if (n > v_.load(std::memory_order_relaxed)) v_.store(n, std::memory_order_relaxed);
  }
  std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
#ifdef SLUICE_COUNTER_ADD_ASM
  std::uint64_t& raw() { return *reinterpret_cast<std::uint64_t*>(&v_); }
  static_assert(sizeof(std::atomic<std::uint64_t>) == sizeof(std::uint64_t));
#endif
  std::atomic<std::uint64_t> v_{0};
};

struct Counters {
  Counter connections_accepted;
  Counter connections_closed;  // accepted, then gone (whatever the reason)
  Counter connections_open;
  Counter connections_closed_by_policy;
  Counter connections_refused;  // answered 503 at a connection limit, or evicted handshakes
  Counter messages_sent;
  Counter bytes_sent;
  Counter messages_dropped;
  Counter bytes_dropped;
  Counter sends_refused;
  Counter budget_refusals;        // sends, assembly and held input refused by the process budget
  Counter memory_freed_on_close;  // queues and assembly let go by connections as they ended
  Counter buffered_bytes;         // wire bytes queued on this endpoint's connections now
  Counter buffered_high_water;
  Counter closed_by_reason[close_reason_count];  // by CloseReason, when the end is decided
  Counter messages_received;
  Counter bytes_received;
  Counter dropped_by_policy[slow_consumer_policy_count];  // messages_dropped, by SlowConsumerPolicy
  Counter delivery_latency[delivery_latency_buckets];     // send/delivery_latency.hpp
  Counter delivery_latency_units;                         // their sum, in 16 µs units
};

}  // namespace sluice::detail
