// Backoff: full jitter under a ceiling that doubles from min to max, a fresh start after
// reset(), and draws that spread over the whole range rather than sitting at the ceiling.
#include <gtest/gtest.h>

#include <algorithm>

#include "sources/backoff.hpp"

namespace sluice::relay {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, CeilingDoublesFromMinUpToMax) {
  Backoff b(milliseconds{100}, milliseconds{1000}, 7);
  const milliseconds expected[] = {milliseconds{100}, milliseconds{200},  milliseconds{400},
                                   milliseconds{800}, milliseconds{1000}, milliseconds{1000}};
  for (milliseconds ceiling : expected) {
    EXPECT_EQ(b.ceiling(), ceiling);
    const milliseconds wait = b.next();
    EXPECT_GE(wait.count(), 0);
    EXPECT_LE(wait, ceiling);
  }
  EXPECT_EQ(b.attempts(), 6u);
}

TEST(Backoff, ResetStartsAgainFromMin) {
  Backoff b(milliseconds{50}, milliseconds{10'000}, 7);
  for (int i = 0; i < 10; ++i) b.next();
  EXPECT_EQ(b.ceiling(), milliseconds{10'000});
  b.reset();
  EXPECT_EQ(b.ceiling(), milliseconds{50});
  EXPECT_LE(b.next(), milliseconds{50});
}

TEST(Backoff, ManyAttemptsNeverOverflowTheCeiling) {
  Backoff b(milliseconds{1}, milliseconds{24 * 3600 * 1000}, 7);
  for (int i = 0; i < 1000; ++i) EXPECT_LE(b.next(), milliseconds{24 * 3600 * 1000});
  EXPECT_EQ(b.ceiling(), milliseconds{24 * 3600 * 1000});
}

TEST(Backoff, WaitsSpreadAcrossTheWholeRange) {
  // At the cap, 1000 draws from [0, 1000] fall in every tenth of it: full jitter, not a fixed
  // delay, so relays that lost the same peer come back spread out.
  Backoff b(milliseconds{1000}, milliseconds{1000}, 11);
  int tenths[10] = {};
  for (int i = 0; i < 1000; ++i) ++tenths[std::min<long>(b.next().count() / 100, 9)];
  for (int t : tenths) EXPECT_GT(t, 50);
}

TEST(Backoff, SameSeedSameWaits) {
  Backoff a(milliseconds{10}, milliseconds{5000}, 42);
  Backoff b(milliseconds{10}, milliseconds{5000}, 42);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(Backoff, MaxBelowMinIsRaisedToMin) {
  Backoff b(milliseconds{500}, milliseconds{100}, 3);
  EXPECT_EQ(b.ceiling(), milliseconds{500});
  b.next();
  EXPECT_EQ(b.ceiling(), milliseconds{500});
}

TEST(Backoff, StableAfterFollowsMaxWithinBounds) {
  EXPECT_EQ(Backoff(milliseconds{10}, milliseconds{100}).stable_after(), milliseconds{1000});
  EXPECT_EQ(Backoff(milliseconds{10}, milliseconds{5000}).stable_after(), milliseconds{5000});
  EXPECT_EQ(Backoff(milliseconds{10}, milliseconds{60'000}).stable_after(), milliseconds{10'000});
}

}  // namespace
}  // namespace sluice::relay
