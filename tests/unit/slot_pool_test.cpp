// SlotPool (src/mem/slot_pool.cpp): slots for short-lived objects in chunks of their own, which
// go back to the system once a burst is over, keeping one spare.
#include "mem/slot_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

namespace sluice::detail::mem {
namespace {

constexpr std::size_t kSlot = 300;

TEST(SlotPool, HandsOutDistinctAlignedSlotsOfTheAskedSize) {
  SlotPool pool(kSlot);
  EXPECT_GE(pool.slot_size(), kSlot);
  std::vector<void*> slots;
  for (std::size_t i = 0; i < 3 * pool.slots_per_chunk(); ++i) {
    void* p = pool.allocate();
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t), 0u);
    std::memset(p, static_cast<int>(i), kSlot);  // the whole slot is writable
    slots.push_back(p);
  }
  std::sort(slots.begin(), slots.end());
  for (std::size_t i = 1; i < slots.size(); ++i)
    EXPECT_GE(static_cast<char*>(slots[i]) - static_cast<char*>(slots[i - 1]),
              static_cast<std::ptrdiff_t>(kSlot));  // no two overlap
  EXPECT_EQ(pool.slots_in_use(), slots.size());
  for (void* p : slots) pool.free(p);
  EXPECT_EQ(pool.slots_in_use(), 0u);
}

TEST(SlotPool, MapsNothingUntilFirstUsed) {
  SlotPool pool(kSlot);
  EXPECT_EQ(pool.chunks_mapped(), 0u);
  pool.free(pool.allocate());
  EXPECT_EQ(pool.chunks_mapped(), 1u);  // the spare
}

TEST(SlotPool, ABurstLeavesOnlyTheSpareChunkMapped) {
  SlotPool pool(kSlot);
  std::vector<void*> slots;
  const std::size_t burst = 10 * pool.slots_per_chunk() + 3;
  for (std::size_t i = 0; i < burst; ++i) slots.push_back(pool.allocate());
  EXPECT_EQ(pool.chunks_mapped(), 11u);
  // Freed in an order unrelated to the chunks they came from, as handshakes end.
  for (std::size_t i = 0; i < slots.size(); i += 2) pool.free(slots[i]);
  for (std::size_t i = 1; i < slots.size(); i += 2) pool.free(slots[i]);
  EXPECT_EQ(pool.slots_in_use(), 0u);
  EXPECT_EQ(pool.chunks_mapped(), 1u);
}

TEST(SlotPool, ACountHoveringAtAChunksEdgeMapsNoNewChunks) {
  SlotPool pool(kSlot);
  std::vector<void*> slots;
  for (std::size_t i = 0; i < pool.slots_per_chunk(); ++i) slots.push_back(pool.allocate());
  EXPECT_EQ(pool.chunks_mapped(), 1u);
  for (int round = 0; round < 100; ++round) {
    slots.push_back(pool.allocate());  // one over the edge: a second chunk
    EXPECT_EQ(pool.chunks_mapped(), 2u);
    pool.free(slots.back());  // back under it: the second chunk stays as the spare
    slots.pop_back();
    EXPECT_EQ(pool.chunks_mapped(), 2u);
  }
  for (void* p : slots) pool.free(p);
  EXPECT_EQ(pool.chunks_mapped(), 1u);
}

TEST(SlotPool, FreedSlotsAreReusedBeforeTheSpareIsTouched) {
  SlotPool pool(kSlot);
  std::vector<void*> first_chunk;
  for (std::size_t i = 0; i < pool.slots_per_chunk(); ++i) first_chunk.push_back(pool.allocate());
  void* spill = pool.allocate();
  pool.free(spill);  // its chunk is now the empty spare
  pool.free(first_chunk[3]);
  EXPECT_EQ(pool.allocate(), first_chunk[3]);  // from the chunk in use, not the spare
  for (void* p : first_chunk) pool.free(p);
  EXPECT_EQ(pool.chunks_mapped(), 1u);
}

TEST(SlotPool, SlotsLargerThanAChunkGetAChunkEach) {
  SlotPool pool(20 * 1024, 4096);
  EXPECT_EQ(pool.slots_per_chunk(), 1u);
  void* a = pool.allocate();
  void* b = pool.allocate();
  std::memset(a, 1, 20 * 1024);
  std::memset(b, 2, 20 * 1024);
  EXPECT_EQ(pool.chunks_mapped(), 2u);
  pool.free(a);
  pool.free(b);
  EXPECT_EQ(pool.chunks_mapped(), 1u);
}

TEST(SlotPool, SlotsMayBeFreedOnAnotherThread) {
  SlotPool pool(kSlot);
  constexpr int kThreads = 4;
  constexpr int kRounds = 2000;
  std::vector<std::vector<void*>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        void* p = pool.allocate();
        std::memset(p, t, kSlot);
        if (i % 3 == 0) {
          pool.free(p);
        } else {
          made[t].push_back(p);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  threads.clear();
  // Each thread frees what another made.
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (void* p : made[(t + 1) % kThreads]) pool.free(p);
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(pool.slots_in_use(), 0u);
  EXPECT_EQ(pool.chunks_mapped(), 1u);
}

}  // namespace
}  // namespace sluice::detail::mem
