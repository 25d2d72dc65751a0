// DeliveryLatency: how long a published message waited between its publish and the write that
// handed its last byte to the socket (ServerStats::delivery_latency), in power-of-two buckets.
// A published frame carries its publish time as a 24-bit stamp in 16 µs units
// (FrameBuffer::stamp), so the stamp costs the frame no memory. Timing every delivery would cost
// a fan-out of small messages several per cent of its instructions, so about one delivery in
// `sampling` is timed, at random gaps (a fixed one could keep picking the same receiver of a
// fan-out): each delivery of a frame published to a topic pays a countdown (other frames pass
// by on their queue tag), and a timed one reads the clock (at most once per loop pass,
// EventLoop::delivery_now) and counts its bucket. Waits of more than about two minutes
// do not fit the stamp and are counted as none.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "loop/event_loop.hpp"
#include "send/counters.hpp"
#include "send/frame_buffer.hpp"
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

  // About one delivery in `one_in` is timed; 0 times none (and active() is null).
  void set_sampling(std::uint32_t one_in) {
    one_in_ = one_in;
    countdown_ = one_in == 0 ? 0 : next_gap();
    active_ = one_in == 0 ? nullptr : this;
  }
  // What a write reports to: null while nothing is timed, so that it costs nothing then.
  DeliveryLatency* active() const { return active_; }

  // A frame published to a topic was written whole.
  [[gnu::always_inline]] void written(const FrameBuffer& frame) {
    if (--countdown_ != 0) [[likely]]
      return;
    countdown_ = next_gap();
    if (frame.stamp() != 0) observe(frame.stamp());
  }

 private:
  void observe(std::uint32_t stamp) {
    std::uint32_t units = (loop_.delivery_now() - stamp) & kStampMask;
    // Stamped after this pass read the clock (a publish earlier in the same turn): no wait.
    if (units > kStampMask / 2) units = 0;
    const auto bucket = std::min<std::size_t>(std::bit_width(units), delivery_latency_buckets - 1);
    counters_.delivery_latency[bucket].add(1);
    counters_.delivery_latency_units.add(units);
  }
  // 1 .. 2 * one_in - 1, so one_in on average (xorshift32: only the timed deliveries draw).
  std::uint32_t next_gap() {
    random_ ^= random_ << 13;
    random_ ^= random_ >> 17;
    random_ ^= random_ << 5;
    return one_in_ <= 1 ? 1 : 1 + random_ % (2 * one_in_ - 1);
  }

  EventLoop& loop_;
  Counters& counters_;
  std::uint32_t one_in_ = 0;
  std::uint32_t countdown_ = 0;
  std::uint32_t random_ = 0x9E3779B9;
  DeliveryLatency* active_ = nullptr;
};

}  // namespace sluice::detail
