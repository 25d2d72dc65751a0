// DeliveryLatency: how long a published message waited between its publish and the write that
// handed its last byte to the socket, counted once per receiver in power-of-two buckets
// (ServerStats::delivery_latency). A published frame carries its publish time as a 24-bit stamp
// in 16 µs units (FrameBuffer::stamp), so the stamp costs the frame no memory; a write reads the
// clock at most once per loop pass (EventLoop::delivery_now), and each message written costs a
// subtraction, a bit count and two counter bumps. Waits of more than about two minutes do not
// fit the stamp and are counted as none.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "loop/event_loop.hpp"
#include "send/counters.hpp"
#include "sluice/stats.hpp"

namespace sluice::detail {

inline constexpr std::uint32_t kStampMask = 0xFFFFFF;

// The stamp for a frame published now; never 0, which marks a frame that was not published.
inline std::uint32_t delivery_stamp(std::uint32_t now_16us) {
  const std::uint32_t s = now_16us & kStampMask;
  return s != 0 ? s : 1;
}

class DeliveryLatency {
 public:
  DeliveryLatency(EventLoop& loop, Counters& counters) : loop_(loop), counters_(counters) {}

  // A frame with this (non-zero) stamp was written whole.
  void observe(std::uint32_t stamp) {
    std::uint32_t units = (loop_.delivery_now() - stamp) & kStampMask;
    // Stamped after this pass read the clock (a publish earlier in the same turn): no wait.
    if (units > kStampMask / 2) units = 0;
    const auto bucket = std::min<std::size_t>(std::bit_width(units), delivery_latency_buckets - 1);
    counters_.delivery_latency[bucket].add(1);
    counters_.delivery_latency_units.add(units);
  }

 private:
  EventLoop& loop_;
  Counters& counters_;
};

}  // namespace sluice::detail
