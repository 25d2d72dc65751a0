// BurstLog: the first drop of a burst is logged, the rest are counted, and the next line
// carries the count (after a quiet spell, or every `repeat` while a burst goes on).
#include <gtest/gtest.h>

#include "sources/burst_log.hpp"

namespace sluice::relay {
namespace {

using std::chrono::milliseconds;

BurstLog::time_point at(int ms) { return BurstLog::time_point(milliseconds(ms)); }

TEST(BurstLog, FirstDropOfABurstIsLoggedTheRestCounted) {
  BurstLog log(milliseconds{1000}, milliseconds{10'000});
  EXPECT_EQ(log.on_drop(at(0)), 0u);
  for (int t = 10; t < 500; t += 10) EXPECT_EQ(log.on_drop(at(t)), std::nullopt);
  // Quiet for a second: the next burst's line says how many went unlogged.
  EXPECT_EQ(log.on_drop(at(490 + 1000)), 49u);
  EXPECT_EQ(log.on_drop(at(1500)), std::nullopt);
  EXPECT_EQ(log.on_drop(at(5000)), 1u);
}

TEST(BurstLog, ALongBurstIsLoggedAgainEveryRepeat) {
  BurstLog log(milliseconds{1000}, milliseconds{10'000});
  int lines = 0;
  std::uint64_t unlogged = 0;
  for (int t = 0; t <= 30'000; t += 100) {  // a drop every 100 ms for 30 s: never quiet
    if (auto n = log.on_drop(at(t))) {
      ++lines;
      unlogged += *n;
    }
  }
  EXPECT_EQ(lines, 4);  // at 0, 10 s, 20 s, 30 s
  EXPECT_EQ(unlogged + static_cast<std::uint64_t>(lines), 301u);
}

}  // namespace
}  // namespace sluice::relay
