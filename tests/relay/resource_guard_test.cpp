// The resource guard's states: a warning once per crossing of 80 %, over at 100 % until back
// under 90 %, the warning over under 70 %, and each change said once.
#include "operations/resource_guard.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "operations/readiness.hpp"

namespace sluice::relay {
namespace {

constexpr std::uint64_t kLimit = 1000;

// Feeds readings; returns the states they led to.
std::vector<Pressure> feed(ResourceGuard& g, std::initializer_list<std::uint64_t> readings) {
  std::vector<Pressure> out;
  for (std::uint64_t used : readings) {
    g.update(Resource::memory, used, kLimit);
    out.push_back(g.pressure(Resource::memory));
  }
  return out;
}

using P = Pressure;

TEST(ResourceGuard, WarnsPast80AndIsOverAtTheLimitUntilBackUnder90) {
  ResourceGuard g;
  EXPECT_EQ(feed(g, {100, 799, 800, 990, 1000, 950, 901, 899, 850, 700, 699}),
            (std::vector<P>{P::ok, P::ok, P::warning, P::warning, P::over, P::over, P::over, P::warning,
                            P::warning, P::warning, P::ok}));
}

TEST(ResourceGuard, AReadingThatHoversAtAThresholdChangesNothing) {
  ResourceGuard g;
  feed(g, {810});
  int changes = 0;
  for (std::uint64_t used : {790, 810, 795, 805, 780, 820})
    changes += g.update(Resource::memory, used, kLimit) ? 1 : 0;
  EXPECT_EQ(changes, 0) << "one warning per crossing";
}

TEST(ResourceGuard, EachChangeIsReportedOnceWithItsLevelAndLine) {
  ResourceGuard g;
  EXPECT_FALSE(g.update(Resource::memory, 500, kLimit));
  auto warn = g.update(Resource::memory, 850, kLimit);
  ASSERT_TRUE(warn);
  EXPECT_EQ(warn->level(), LogLevel::warn);
  EXPECT_EQ(warn->describe(), "memory past 80 % of memory_limit (850B of 1000B in use)");
  EXPECT_FALSE(g.update(Resource::memory, 860, kLimit));
  auto over = g.update(Resource::memory, 1200, kLimit);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->level(), LogLevel::error);
  EXPECT_EQ(
      over->describe(),
      "memory over memory_limit (1.2KiB of 1000B in use): refusing new subscribers and publishes with 503, "
      "/readyz fails");
  EXPECT_TRUE(g.over_any());
  EXPECT_EQ(g.refusal_reason(), "over memory_limit: 1.2KiB in use of 1000B");
  auto back = g.update(Resource::memory, 100, kLimit);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to, P::ok);
  EXPECT_EQ(back->level(), LogLevel::info);
  EXPECT_EQ(back->describe(), "memory back to normal (100B of 1000B in use): accepting new work again");
  EXPECT_FALSE(g.over_any());
  EXPECT_EQ(g.refusal_reason(), "");
}

TEST(ResourceGuard, ResourcesAreGuardedApartAndNoLimitMeansOk) {
  ResourceGuard g;
  g.update(Resource::connections, 10, 10);
  g.update(Resource::file_descriptors, 5000, 0);
  EXPECT_EQ(g.pressure(Resource::connections), P::over);
  EXPECT_EQ(g.pressure(Resource::file_descriptors), P::ok);
  EXPECT_EQ(g.pressure(Resource::memory), P::ok);
  EXPECT_EQ(g.refusal_reason(), "over max_connections: 10 in use of 10");
}

TEST(Readiness, TheFirstFailingCheckSaysWhyAndOnlyResourcesAndTheBrokerRefuseWork) {
  Readiness r;
  EXPECT_FALSE(r.not_ready());
  r.set(ReadinessCheck::shutdown, "shutting down");
  EXPECT_EQ(r.not_ready(), "shutting down");
  EXPECT_FALSE(r.refusing_new_work());
  r.set(ReadinessCheck::resources, "over memory_limit: 2MiB in use of 1MiB");
  EXPECT_EQ(r.not_ready(), "over memory_limit: 2MiB in use of 1MiB");
  EXPECT_EQ(r.refusing_new_work(), "over memory_limit: 2MiB in use of 1MiB");
  r.set(ReadinessCheck::resources, "");
  r.set(ReadinessCheck::broker, "broker unreachable");
  EXPECT_EQ(r.refusing_new_work(), "broker unreachable");
  EXPECT_EQ(r.not_ready(), "shutting down");
}

}  // namespace
}  // namespace sluice::relay
