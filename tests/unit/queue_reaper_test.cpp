// QueueReaper: a closed connection's big queue is freed a slice per loop pass, so freeing it
// never stalls the loop; what it holds stays charged until it is really freed.
#include "send/queue_reaper.hpp"

#include <gtest/gtest.h>

#include <string>

#include "send/frame_buffer.hpp"
#include "send/memory_budget.hpp"

namespace sluice::detail {
namespace {

TEST(QueueReaper, ASmallQueueIsFreedAtOnce) {
  EventLoop loop;
  MemoryBudget budget(SIZE_MAX, 1);
  MemoryAllowance memory(budget, 0);
  QueueReaper reaper(loop, memory);
  SendQueue q;
  for (int i = 0; i < 100; ++i) memory.charge(q.push(encode_frame(Opcode::text, "x")));
  reaper.take(q);
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(reaper.idle());
  EXPECT_EQ(memory.used(), 0u);
}

TEST(QueueReaper, ABigQueueIsFreedASlicePerPassAndUnchargedAsItGoes) {
  EventLoop loop;
  MemoryBudget budget(SIZE_MAX, 1);
  MemoryAllowance memory(budget, 0);
  QueueReaper reaper(loop, memory);
  constexpr std::size_t kEntries = 10 * QueueReaper::kSlice + 7;
  SendQueue q;
  for (std::size_t i = 0; i < kEntries; ++i) memory.charge(q.push(encode_frame(Opcode::text, "x")));
  const std::uint64_t per_entry = memory.used() / kEntries;
  reaper.take(q);
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(reaper.idle());
  EXPECT_EQ(memory.used(), (kEntries - QueueReaper::kSlice) * per_entry);
  // Each pass frees one slice; the loop's deferred rounds run it until none is left.
  int passes = 0;
  while (!reaper.idle() && passes < 100) {
    const std::uint64_t before = memory.used();
    reaper.on_before_sleep();
    EXPECT_LE(before - memory.used(), QueueReaper::kSlice * per_entry);
    ++passes;
  }
  EXPECT_TRUE(reaper.idle());
  EXPECT_EQ(passes, 10);
  EXPECT_EQ(memory.used(), 0u);
}

TEST(QueueReaper, WhatIsLeftIsFreedWhenTheReaperGoes) {
  EventLoop loop;
  MemoryBudget budget(SIZE_MAX, 1);
  MemoryAllowance memory(budget, 0);
  {
    QueueReaper reaper(loop, memory);
    SendQueue q;
    for (std::size_t i = 0; i < 3 * QueueReaper::kSlice; ++i)
      memory.charge(q.push(encode_frame(Opcode::text, "x")));
    reaper.take(q);
    EXPECT_GT(memory.used(), 0u);
  }
  EXPECT_EQ(memory.used(), 0u);
}

}  // namespace
}  // namespace sluice::detail

namespace sluice::detail {
namespace {

TEST(MemoryAllowance, ALoopTakesTheBudgetInChunksAndGivesBackWhatItNoLongerNeeds) {
  MemoryBudget budget(1 << 20, 2);
  MemoryAllowance a(budget, 0), b(budget, 1);
  ASSERT_TRUE(a.admits(1000, 1000));
  a.charge(1000);
  EXPECT_EQ(budget.used(), 1000u);
  // a holds a chunk; b can still have all the rest, but not one byte more.
  const std::size_t rest = (1 << 20) - MemoryAllowance::kChunk;
  EXPECT_TRUE(b.admits(rest, 100));
  b.charge(rest);
  EXPECT_FALSE(b.admits(1, 100));
  EXPECT_TRUE(a.admits(MemoryAllowance::kChunk - 1000, 100));  // a's chunk is its own
  b.uncharge(rest);                                            // b gives back what it freed...
  EXPECT_TRUE(a.admits(4 * MemoryAllowance::kChunk, 100));     // ...and a can take it
}

TEST(MemoryAllowance, BigHoldersAreRefusedTheLastEighth) {
  MemoryBudget budget(8 << 20, 1);
  MemoryAllowance a(budget, 0);
  const std::size_t seven_eighths = 7 << 20;
  ASSERT_TRUE(a.admits(seven_eighths - MemoryAllowance::kChunk, 1 << 20));
  a.charge(seven_eighths - MemoryAllowance::kChunk);
  EXPECT_FALSE(a.admits(2 * MemoryAllowance::kChunk, 1 << 20)) << "a big holder took the reserve";
  EXPECT_TRUE(a.admits(2 * MemoryAllowance::kChunk, 1000)) << "a small holder was refused the reserve";
}

}  // namespace
}  // namespace sluice::detail
