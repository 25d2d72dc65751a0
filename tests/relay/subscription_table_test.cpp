// SubscriptionTable: interest counted per name, batched changes, and never a SUBSCRIBE while
// the same name's UNSUBSCRIBE is unanswered.
#include <gtest/gtest.h>

#include "broker/subscription_table.hpp"

namespace sluice::relay {
namespace {

using Kind = SubscriptionTable::Kind;

TEST(SubscriptionTable, BatchesNewInterestIntoOneCommandPerKind) {
  SubscriptionTable t;
  t.add(Kind::channel, "a");
  t.add(Kind::channel, "b");
  t.add(Kind::channel, "a");
  t.add(Kind::pattern, "s*");
  auto changes = t.take_changes();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, Kind::channel);
  EXPECT_TRUE(changes[0].subscribe);
  EXPECT_EQ(changes[0].names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(changes[1].kind, Kind::pattern);
  EXPECT_EQ(changes[1].names, (std::vector<std::string>{"s*"}));
  EXPECT_FALSE(t.settled());
  EXPECT_TRUE(t.take_changes().empty());  // in flight: not asked twice
  t.confirmed(Kind::channel, "a", true);
  t.confirmed(Kind::channel, "b", true);
  t.confirmed(Kind::pattern, "s*", true);
  EXPECT_TRUE(t.settled());
}

TEST(SubscriptionTable, SplitsLargeBatches) {
  SubscriptionTable t;
  for (int i = 0; i < 5; ++i) t.add(Kind::channel, "c" + std::to_string(i));
  auto changes = t.take_changes(2);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[2].names.size(), 1u);
}

TEST(SubscriptionTable, UnsubscribesWhenTheLastInterestEnds) {
  SubscriptionTable t;
  t.add(Kind::channel, "a");
  t.add(Kind::channel, "a");
  t.take_changes();
  t.confirmed(Kind::channel, "a", true);
  t.remove(Kind::channel, "a");
  EXPECT_TRUE(t.take_changes().empty());
  t.remove(Kind::channel, "a");
  auto changes = t.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].subscribe);
  t.confirmed(Kind::channel, "a", false);
  EXPECT_TRUE(t.settled());
  EXPECT_EQ(t.wanted(), 0u);
}

TEST(SubscriptionTable, WaitsForTheUnsubscribeBeforeSubscribingAgain) {
  SubscriptionTable t;
  t.add(Kind::channel, "a");
  t.take_changes();
  t.confirmed(Kind::channel, "a", true);
  t.remove(Kind::channel, "a");
  ASSERT_EQ(t.take_changes().size(), 1u);  // UNSUBSCRIBE a
  t.add(Kind::channel, "a");
  EXPECT_TRUE(t.take_changes().empty());  // not while the unsubscribe is unanswered
  t.confirmed(Kind::channel, "a", false);
  auto again = t.take_changes();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].subscribe);
}

TEST(SubscriptionTable, InterestThatEndsBeforeItIsSentIsNeverSent) {
  SubscriptionTable t;
  t.add(Kind::pattern, "x*");
  t.remove(Kind::pattern, "x*");
  EXPECT_TRUE(t.take_changes().empty());
  EXPECT_TRUE(t.settled());
}

TEST(SubscriptionTable, ResetSubscribesEverythingWantedAgain) {
  SubscriptionTable t;
  t.add(Kind::channel, "a");
  t.add(Kind::channel, "b");
  t.take_changes();
  t.confirmed(Kind::channel, "a", true);
  t.reset();  // the connection is gone, "b" never confirmed
  EXPECT_TRUE(t.settled());
  auto changes = t.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].names, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace sluice::relay
