// TimerWheel: O(1) schedule and cancel for per-connection deadlines (handshake, idle, ping,
// close). A hashed wheel of intrusive lists; a deadline past one turn of the wheel is simply
// revisited once per turn until due.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "loop/loop_client.hpp"

namespace sluice::detail {

class TimerWheel {
 public:
  static constexpr std::uint32_t kTickMs = 50;
  static constexpr std::uint32_t kSlots = 256;  // 12.8 s per turn; 4 KiB per loop

  TimerWheel();
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  void schedule(TimerNode& node, std::uint32_t expires_tick);
  void cancel(TimerNode& node);
  // Fires every node due at or before `now_tick`; `fire` may schedule or cancel any node.
  void advance(std::uint32_t now_tick, const std::function<void(TimerNode&)>& fire);

  bool empty() const { return count_ == 0; }
  std::uint32_t current_tick() const { return tick_; }
  void set_start(std::uint32_t tick) { tick_ = tick; }

 private:
  static void link_after(TimerNode& head, TimerNode& node);
  void fire_slot(TimerNode& head, std::uint32_t now_tick, const std::function<void(TimerNode&)>& fire);

  std::array<TimerNode, kSlots> slots_;
  std::uint32_t tick_ = 0;  // every tick up to this one has been processed
  std::uint32_t count_ = 0;
};

}  // namespace sluice::detail
