// Histogram: exact below 128, within 1/128 above, percentiles by rank, merge and clear.
#include "histogram.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace sluice::bench {
namespace {

TEST(Histogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(Histogram, SmallValuesAreExact) {
  for (std::uint64_t v = 0; v < 128; ++v) {
    EXPECT_EQ(Histogram::bucket_of(v), v);
    EXPECT_EQ(Histogram::lowest_in(v), v);
    EXPECT_EQ(Histogram::highest_in(v), v);
  }
}

TEST(Histogram, EveryValueFallsInsideItsBucketWithinOnePart128) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200'000; ++i) {
    std::uint64_t v = rng() >> (rng() % 64);
    std::size_t b = Histogram::bucket_of(v);
    ASSERT_LE(Histogram::lowest_in(b), v);
    ASSERT_GE(Histogram::highest_in(b), v);
    double width = static_cast<double>(Histogram::highest_in(b) - Histogram::lowest_in(b));
    ASSERT_LE(width, static_cast<double>(Histogram::lowest_in(b)) / 128.0);
  }
  EXPECT_EQ(Histogram::highest_in(Histogram::bucket_of(~std::uint64_t{0})), ~std::uint64_t{0});
}

TEST(Histogram, BucketsAreContiguous) {
  for (std::size_t b = 0; b + 1 < 2000; ++b)
    ASSERT_EQ(Histogram::highest_in(b) + 1, Histogram::lowest_in(b + 1));
}

TEST(Histogram, PercentilesOfAUniformRangeAreWithinOnePercent) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 1'000'000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 1'000'000u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 1'000'000u);
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99}) {
    double expected = p / 100.0 * 1'000'000;
    EXPECT_NEAR(static_cast<double>(h.percentile(p)), expected, expected * 0.01) << "p" << p;
  }
  EXPECT_EQ(h.percentile(100), 1'000'000u);
  EXPECT_NEAR(h.mean(), 500'000.5, 1e-6);
}

TEST(Histogram, PercentileNeverExceedsTheMaximum) {
  Histogram h;
  h.record(1'000'001);
  EXPECT_EQ(h.percentile(50), 1'000'001u);
  EXPECT_EQ(h.percentile(99.9), 1'000'001u);
}

TEST(Histogram, RankPicksTheRightBucket) {
  Histogram h;
  for (int i = 0; i < 99; ++i) h.record(10);
  h.record(5000);
  EXPECT_EQ(h.percentile(50), 10u);
  EXPECT_EQ(h.percentile(99), 10u);
  EXPECT_EQ(h.percentile(99.5), 5000u);
}

TEST(Histogram, MergeAddsCountsAndKeepsExtremes) {
  Histogram a, b;
  a.record(3);
  a.record(700);
  b.record(1);
  b.record(90'000);
  a.merge(b);
  EXPECT_EQ(a.count(), 4u);
  EXPECT_EQ(a.min(), 1u);
  EXPECT_EQ(a.max(), 90'000u);
  EXPECT_EQ(a.percentile(25), 1u);
}

TEST(Histogram, ClearForgetsEverything) {
  Histogram h;
  h.record(12345);
  h.clear();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(99), 0u);
  h.record(7);
  EXPECT_EQ(h.min(), 7u);
}

}  // namespace
}  // namespace sluice::bench
