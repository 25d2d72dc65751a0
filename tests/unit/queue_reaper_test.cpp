// QueueReaper: a closed connection's big queue is freed a slice per loop pass, so freeing it
// never stalls the loop; what it holds stays charged until it is really freed.
#include "send/queue_reaper.hpp"

#include <gtest/gtest.h>

#include <string>

#include "send/frame_buffer.hpp"

namespace sluice::detail {
namespace {

TEST(QueueReaper, ASmallQueueIsFreedAtOnce) {
  EventLoop loop;
  Counter memory;
  QueueReaper reaper(loop, memory);
  SendQueue q;
  for (int i = 0; i < 100; ++i) memory.add(q.push(encode_frame(Opcode::text, "x")));
  reaper.take(q);
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(reaper.idle());
  EXPECT_EQ(memory.get(), 0u);
}

TEST(QueueReaper, ABigQueueIsFreedASlicePerPassAndUnchargedAsItGoes) {
  EventLoop loop;
  Counter memory;
  QueueReaper reaper(loop, memory);
  constexpr std::size_t kEntries = 10 * QueueReaper::kSlice + 7;
  SendQueue q;
  for (std::size_t i = 0; i < kEntries; ++i) memory.add(q.push(encode_frame(Opcode::text, "x")));
  const std::uint64_t per_entry = memory.get() / kEntries;
  reaper.take(q);
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(reaper.idle());
  EXPECT_EQ(memory.get(), (kEntries - QueueReaper::kSlice) * per_entry);
  // Each pass frees one slice; the loop's deferred rounds run it until none is left.
  int passes = 0;
  while (!reaper.idle() && passes < 100) {
    const std::uint64_t before = memory.get();
    reaper.on_before_sleep();
    EXPECT_LE(before - memory.get(), QueueReaper::kSlice * per_entry);
    ++passes;
  }
  EXPECT_TRUE(reaper.idle());
  EXPECT_EQ(passes, 10);
  EXPECT_EQ(memory.get(), 0u);
}

TEST(QueueReaper, WhatIsLeftIsFreedWhenTheReaperGoes) {
  EventLoop loop;
  Counter memory;
  {
    QueueReaper reaper(loop, memory);
    SendQueue q;
    for (std::size_t i = 0; i < 3 * QueueReaper::kSlice; ++i)
      memory.add(q.push(encode_frame(Opcode::text, "x")));
    reaper.take(q);
    EXPECT_GT(memory.get(), 0u);
  }
  EXPECT_EQ(memory.get(), 0u);
}

}  // namespace
}  // namespace sluice::detail
