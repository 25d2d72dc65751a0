#include "loop/timer_wheel.hpp"

namespace sluice::detail {

TimerWheel::TimerWheel() {
  for (auto& s : slots_) s.prev = s.next = &s;  // empty circular lists with a sentinel
}

void TimerWheel::link_after(TimerNode& head, TimerNode& node) {
  node.prev = &head;
  node.next = head.next;
  head.next->prev = &node;
  head.next = &node;
}

void TimerWheel::schedule(TimerNode& node, std::uint32_t expires_tick) {
  cancel(node);
  ++count_;
  // A deadline at or before the processed tick lands in the next slot: never in the past.
  if (static_cast<std::int32_t>(expires_tick - tick_) <= 0) expires_tick = tick_ + 1;
  node.expires = expires_tick;
  link_after(slots_[expires_tick % kSlots], node);
}

void TimerWheel::cancel(TimerNode& node) {
  if (!node.scheduled()) return;
  node.prev->next = node.next;
  node.next->prev = node.prev;
  node.prev = node.next = nullptr;
  --count_;
}

void TimerWheel::fire_slot(TimerNode& head, std::uint32_t now_tick,
                           const std::function<void(TimerNode&)>& fire) {
  // Move the slot onto a local list first: callbacks may schedule into this very slot.
  TimerNode pending;
  if (head.next == &head) return;
  pending.next = head.next;
  pending.prev = head.prev;
  pending.next->prev = &pending;
  pending.prev->next = &pending;
  head.prev = head.next = &head;

  while (pending.next != &pending) {
    TimerNode& node = *pending.next;
    node.prev->next = node.next;
    node.next->prev = node.prev;
    if (static_cast<std::int32_t>(node.expires - now_tick) > 0) {
      link_after(head, node);  // due in a later turn of the wheel
      continue;
    }
    node.prev = node.next = nullptr;
    --count_;
    fire(node);
  }
}

void TimerWheel::advance(std::uint32_t now_tick, const std::function<void(TimerNode&)>& fire) {
  std::uint32_t steps = now_tick - tick_;
  if (static_cast<std::int32_t>(steps) <= 0) return;
  if (steps > kSlots) steps = kSlots;
  std::uint32_t first = now_tick - steps + 1;
  tick_ = now_tick;
  for (std::uint32_t t = first; t != now_tick + 1; ++t) fire_slot(slots_[t % kSlots], now_tick, fire);
}

}  // namespace sluice::detail
