// TimerWheel: schedule, cancel and advance; each due node fires exactly once, at its tick and
// not before, including deadlines more than one turn of the wheel ahead.
#include "loop/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace sluice::detail {
namespace {

constexpr std::uint32_t kSlots = TimerWheel::kSlots;

// Records which node fired at which tick.
struct Recorder {
  std::vector<std::pair<const TimerNode*, std::uint32_t>> fired;
  std::uint32_t now = 0;
  std::function<void(TimerNode&)> fn() {
    return [this](TimerNode& n) { fired.emplace_back(&n, now); };
  }
  int count(const TimerNode& n) const {
    int c = 0;
    for (const auto& f : fired) c += f.first == &n ? 1 : 0;
    return c;
  }
};

void advance_to(TimerWheel& w, Recorder& r, std::uint32_t tick) {
  r.now = tick;
  w.advance(tick, r.fn());
}

TEST(TimerWheel, NewWheelIsEmpty) {
  TimerWheel w;
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.current_tick(), 0u);
}

TEST(TimerWheel, FiresAtDeadlineNotBefore) {
  TimerWheel w;
  Recorder r;
  TimerNode n;
  w.schedule(n, 5);
  EXPECT_TRUE(n.scheduled());
  EXPECT_FALSE(w.empty());
  for (std::uint32_t t = 1; t <= 4; ++t) advance_to(w, r, t);
  EXPECT_TRUE(r.fired.empty());
  advance_to(w, r, 5);
  ASSERT_EQ(r.fired.size(), 1u);
  EXPECT_EQ(r.fired[0].first, &n);
  EXPECT_FALSE(n.scheduled());
  EXPECT_TRUE(w.empty());
  for (std::uint32_t t = 6; t <= 2 * kSlots + 10; ++t) advance_to(w, r, t);
  EXPECT_EQ(r.fired.size(), 1u);
}

TEST(TimerWheel, JumpPastDeadlineFiresOnce) {
  TimerWheel w;
  Recorder r;
  TimerNode a, b;
  w.schedule(a, 3);
  w.schedule(b, 7);
  advance_to(w, r, 100);
  EXPECT_EQ(r.count(a), 1);
  EXPECT_EQ(r.count(b), 1);
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.current_tick(), 100u);
}

TEST(TimerWheel, AdvanceToSameOrEarlierTickDoesNothing) {
  TimerWheel w;
  Recorder r;
  TimerNode n;
  advance_to(w, r, 10);
  w.schedule(n, 12);
  advance_to(w, r, 10);
  advance_to(w, r, 9);
  EXPECT_TRUE(r.fired.empty());
  EXPECT_EQ(w.current_tick(), 10u);
  advance_to(w, r, 12);
  EXPECT_EQ(r.count(n), 1);
}

TEST(TimerWheel, DeadlineInThePastFiresOnNextTick) {
  TimerWheel w;
  Recorder r;
  advance_to(w, r, 50);
  TimerNode n;
  w.schedule(n, 20);
  EXPECT_EQ(n.expires, 51u);
  advance_to(w, r, 51);
  EXPECT_EQ(r.count(n), 1);
  TimerNode m;
  w.schedule(m, w.current_tick());  // "now" also means the next tick, never this one
  advance_to(w, r, 52);
  EXPECT_EQ(r.count(m), 1);
}

TEST(TimerWheel, CancelPreventsFiring) {
  TimerWheel w;
  Recorder r;
  TimerNode n, other;
  w.schedule(n, 5);
  w.schedule(other, 5);
  w.cancel(n);
  EXPECT_FALSE(n.scheduled());
  advance_to(w, r, 10);
  EXPECT_EQ(r.count(n), 0);
  EXPECT_EQ(r.count(other), 1);
  EXPECT_TRUE(w.empty());
}

TEST(TimerWheel, CancelTwiceAndCancelUnscheduledAreHarmless) {
  TimerWheel w;
  TimerNode n, never;
  w.schedule(n, 5);
  w.cancel(n);
  w.cancel(n);
  w.cancel(never);
  EXPECT_TRUE(w.empty());
}

TEST(TimerWheel, RescheduleMovesTheDeadline) {
  TimerWheel w;
  Recorder r;
  TimerNode n;
  w.schedule(n, 5);
  w.schedule(n, 9);  // replaces, does not add
  advance_to(w, r, 8);
  EXPECT_TRUE(r.fired.empty());
  advance_to(w, r, 9);
  EXPECT_EQ(r.count(n), 1);
  EXPECT_TRUE(w.empty());
  w.schedule(n, 20);
  w.schedule(n, 15);  // earlier also works
  advance_to(w, r, 15);
  EXPECT_EQ(r.count(n), 2);
}

TEST(TimerWheel, DeadlineBeyondOneTurnFiresAtItsTickStepByStep) {
  for (std::uint32_t ahead : {kSlots - 1, kSlots, kSlots + 1, kSlots + 5, 2 * kSlots, 3 * kSlots + 17}) {
    SCOPED_TRACE(::testing::Message() << "ahead " << ahead);
    TimerWheel w;
    Recorder r;
    TimerNode n;
    w.schedule(n, ahead);
    for (std::uint32_t t = 1; t < ahead; ++t) {
      advance_to(w, r, t);
      ASSERT_TRUE(r.fired.empty()) << "fired early at tick " << t;
    }
    advance_to(w, r, ahead);
    ASSERT_EQ(r.fired.size(), 1u);
    EXPECT_EQ(r.fired[0].second, ahead);
    EXPECT_TRUE(w.empty());
  }
}

TEST(TimerWheel, DeadlineBeyondOneTurnSurvivesLargeJumps) {
  TimerWheel w;
  Recorder r;
  TimerNode n;
  const std::uint32_t deadline = 2 * kSlots + 7;
  w.schedule(n, deadline);
  advance_to(w, r, kSlots + 7);  // visits n's slot, a turn too early
  advance_to(w, r, 2 * kSlots);  // a whole turn in one step
  EXPECT_TRUE(r.fired.empty());
  advance_to(w, r, deadline - 1);
  EXPECT_TRUE(r.fired.empty());
  advance_to(w, r, deadline + 3 * kSlots);  // far past: fires once, late
  EXPECT_EQ(r.count(n), 1);
}

TEST(TimerWheel, ManyNodesEachFireAtTheirOwnTick) {
  TimerWheel w;
  Recorder r;
  std::vector<TimerNode> nodes(3000);
  std::map<const TimerNode*, std::uint32_t> due;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    std::uint32_t tick = 1 + static_cast<std::uint32_t>((i * 7919) % (4 * kSlots));
    w.schedule(nodes[i], tick);
    due[&nodes[i]] = tick;
  }
  for (std::uint32_t t = 1; t <= 4 * kSlots + 1; t += 3) advance_to(w, r, t);  // uneven steps
  ASSERT_EQ(r.fired.size(), nodes.size());
  for (const auto& [node, at] : r.fired) {
    EXPECT_GE(at, due[node]);
    EXPECT_LT(at, due[node] + 3);
  }
  EXPECT_TRUE(w.empty());
}

TEST(TimerWheel, CallbackThatReschedulesItselfFiresEachPeriod) {
  TimerWheel w;
  std::vector<std::uint32_t> at;
  TimerNode n;
  std::uint32_t now = 0;
  auto fire = [&](TimerNode& node) {
    at.push_back(now);
    if (at.size() < 5) w.schedule(node, now + 10);
  };
  w.schedule(n, 10);
  for (now = 1; now <= 100; ++now) w.advance(now, fire);
  EXPECT_EQ(at, (std::vector<std::uint32_t>{10, 20, 30, 40, 50}));
  EXPECT_TRUE(w.empty());
}

TEST(TimerWheel, CallbackReschedulingIntoItsOwnSlotWaitsAFullTurn) {
  TimerWheel w;
  int fired = 0;
  TimerNode n;
  std::uint32_t now = 0;
  auto fire = [&](TimerNode& node) {
    ++fired;
    if (fired == 1) w.schedule(node, now + kSlots);  // same slot index, next turn
  };
  w.schedule(n, 4);
  now = 4;
  w.advance(now, fire);
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(n.scheduled());
  for (now = 5; now < 4 + kSlots; ++now) w.advance(now, fire);
  EXPECT_EQ(fired, 1);
  w.advance(now, fire);
  EXPECT_EQ(fired, 2);
}

TEST(TimerWheel, CallbackReschedulingDuringMultiTickAdvanceDoesNotRefireInSameCall) {
  TimerWheel w;
  int fired = 0;
  TimerNode n;
  auto fire = [&](TimerNode& node) {
    ++fired;
    w.schedule(node, 6);  // already in the past for this advance(10)
  };
  w.schedule(n, 3);
  w.advance(10, fire);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(n.expires, 11u);
  w.advance(11, fire);
  EXPECT_EQ(fired, 2);
}

TEST(TimerWheel, CallbackCancelsAnotherNodeInTheSameSlot) {
  for (int order = 0; order < 2; ++order) {
    SCOPED_TRACE(::testing::Message() << "order " << order);
    TimerWheel w;
    TimerNode a, b, c;
    std::vector<TimerNode*> fired;
    // Whichever of a, b fires first cancels the other; c, in the same slot, still fires.
    auto fire = [&](TimerNode& node) {
      fired.push_back(&node);
      if (&node == &a) w.cancel(b);
      if (&node == &b) w.cancel(a);
    };
    if (order == 0) {
      w.schedule(a, 7);
      w.schedule(c, 7);
      w.schedule(b, 7);
    } else {
      w.schedule(b, 7);
      w.schedule(c, 7);
      w.schedule(a, 7);
    }
    w.advance(7, fire);
    ASSERT_EQ(fired.size(), 2u);
    EXPECT_EQ(std::count(fired.begin(), fired.end(), &c), 1);
    EXPECT_EQ(std::count(fired.begin(), fired.end(), &a) + std::count(fired.begin(), fired.end(), &b), 1);
    EXPECT_FALSE(a.scheduled());
    EXPECT_FALSE(b.scheduled());
    EXPECT_TRUE(w.empty());
  }
}

TEST(TimerWheel, CallbackCancelsNodeDueInALaterTurnOfSameSlot) {
  TimerWheel w;
  TimerNode now_node, later;
  int fired = 0;
  auto fire = [&](TimerNode&) {
    ++fired;
    w.cancel(later);
  };
  w.schedule(now_node, 7);
  w.schedule(later, 7 + kSlots);
  w.advance(7, fire);
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(later.scheduled());
  EXPECT_TRUE(w.empty());
  w.advance(7 + 2 * kSlots, fire);
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, CallbackSchedulesANewNode) {
  TimerWheel w;
  TimerNode first, second;
  std::vector<TimerNode*> fired;
  auto fire = [&](TimerNode& node) {
    fired.push_back(&node);
    if (&node == &first) w.schedule(second, w.current_tick() + 2);
  };
  w.schedule(first, 3);
  w.advance(3, fire);
  w.advance(4, fire);
  EXPECT_EQ(fired, (std::vector<TimerNode*>{&first}));
  w.advance(5, fire);
  EXPECT_EQ(fired, (std::vector<TimerNode*>{&first, &second}));
}

TEST(TimerWheel, HandlesTickCounterWrapAround) {
  TimerWheel w;
  Recorder r;
  const std::uint32_t start = 0xFFFFFFFFu - 5;
  w.set_start(start);
  r.now = start;
  TimerNode near, far;
  w.schedule(near, start + 10);  // wraps to 4
  w.schedule(far, start + kSlots + 10);
  for (std::uint32_t t = start + 1; t != start + 10; ++t) advance_to(w, r, t);
  EXPECT_TRUE(r.fired.empty());
  advance_to(w, r, start + 10);
  EXPECT_EQ(r.count(near), 1);
  EXPECT_EQ(r.count(far), 0);
  advance_to(w, r, start + kSlots + 9);
  EXPECT_EQ(r.count(far), 0);
  advance_to(w, r, start + kSlots + 10);
  EXPECT_EQ(r.count(far), 1);
}

}  // namespace
}  // namespace sluice::detail
