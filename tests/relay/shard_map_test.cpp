// ShardMap: every relay puts a topic on the same shard, topics spread evenly, and a shard added
// at the end moves only the topics it takes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker/shard_map.hpp"

namespace sluice::relay {
namespace {

TEST(ShardMap, OneShardTakesEverything) {
  for (int i = 0; i < 100; ++i) EXPECT_EQ(shard_of("t" + std::to_string(i), 1), 0u);
}

TEST(ShardMap, KnownValuesDoNotChangeBetweenBuilds) {
  // Relays of different builds must agree: these values are the algorithm's, fixed.
  EXPECT_EQ(topic_hash(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(topic_hash("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(jump_consistent_hash(0, 10), 0u);
  EXPECT_EQ(jump_consistent_hash(1, 10), 6u);
  EXPECT_EQ(jump_consistent_hash(0xdeadbeef, 1000), jump_consistent_hash(0xdeadbeef, 1000));
}

TEST(ShardMap, SpreadsTopicsEvenly) {
  std::vector<int> counts(4);
  for (int i = 0; i < 4000; ++i) ++counts[shard_of("sensors/" + std::to_string(i), 4)];
  for (int c : counts) {
    EXPECT_GT(c, 850);
    EXPECT_LT(c, 1150);
  }
}

TEST(ShardMap, AddingAShardMovesOnlyItsShare) {
  int moved = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string t = "t/" + std::to_string(i);
    const auto before = shard_of(t, 4), after = shard_of(t, 5);
    if (before != after) {
      ++moved;
      EXPECT_EQ(after, 4u) << t;  // only ever to the new shard
    }
  }
  EXPECT_GT(moved, 600);
  EXPECT_LT(moved, 1000);
}

}  // namespace
}  // namespace sluice::relay
