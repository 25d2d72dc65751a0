// [[topic]] entries: every key, the required match, pattern checks, publish lists, history
// bounds, and patterns written twice.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config_test_helpers.hpp"

namespace sluice::relay {
namespace {

using test::config_of;
using test::contains;
using test::error_of;
using test::message_of;

TEST(RelayConfigTopic, ReadsEveryKey) {
  const RelayConfig c = config_of(R"(
[[topic]]
match = "sensors/**"
policy = "latest"
max_buffered_bytes = "256KiB"
send_buffer_bytes = "64KiB"
history = 1000
history_bytes = "2MiB"
history_age = "10min"
retain_last = true
publish = ["http", "clients", "sources"]
subscribe = "api_key"
metrics = true
)");
  ASSERT_EQ(c.topics.size(), 1u);
  const TopicConfig& t = c.topics[0];
  EXPECT_EQ(t.match, "sensors/**");
  EXPECT_EQ(t.policy, SlowConsumerPolicy::latest);
  EXPECT_EQ(t.max_buffered_bytes, 256u * 1024);
  EXPECT_EQ(t.send_buffer_bytes, 64u * 1024);
  EXPECT_EQ(t.history, 1000u);
  EXPECT_EQ(t.history_bytes, 2u << 20);
  EXPECT_EQ(t.history_age, milliseconds{600'000});
  EXPECT_TRUE(t.retain_last);
  EXPECT_TRUE(t.publish.http);
  EXPECT_TRUE(t.publish.clients);
  EXPECT_TRUE(t.publish.sources);
  EXPECT_EQ(t.subscribe, SubscribeAccess::api_key);
  EXPECT_TRUE(t.metrics);
}

TEST(RelayConfigTopic, UnsetValuesKeepTheirDefaults) {
  const TopicConfig t = config_of("[[topic]]\nmatch = \"a\"\n").topics.at(0);
  EXPECT_FALSE(t.policy.has_value());
  EXPECT_FALSE(t.max_buffered_bytes.has_value());
  EXPECT_FALSE(t.send_buffer_bytes.has_value());
  EXPECT_EQ(t.history, 0u);
  EXPECT_EQ(t.history_bytes, 1u << 20);
  EXPECT_EQ(t.history_age, milliseconds{0});
  EXPECT_FALSE(t.retain_last);
  EXPECT_TRUE(t.publish.http);
  EXPECT_FALSE(t.publish.clients);
  EXPECT_TRUE(t.publish.sources);
  EXPECT_EQ(t.subscribe, SubscribeAccess::anyone);
  EXPECT_FALSE(t.metrics);
}

TEST(RelayConfigTopic, KeepsFileOrder) {
  const RelayConfig c = config_of("[[topic]]\nmatch = \"b\"\n[[topic]]\nmatch = \"a/*\"\n");
  ASSERT_EQ(c.topics.size(), 2u);
  EXPECT_EQ(c.topics[0].match, "b");
  EXPECT_EQ(c.topics[1].match, "a/*");
}

TEST(RelayConfigTopic, MatchIsRequired) {
  const ConfigError e = error_of("\n[[topic]]\nhistory = 5\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.message, "[[topic]] needs 'match': the topic name or pattern it configures");
}

TEST(RelayConfigTopic, BadPatternIsAnErrorAtTheValue) {
  const ConfigError e = error_of("[[topic]]\nmatch = \"sensors/a*\"\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 9u);
  EXPECT_EQ(e.message,
            "topic.match: \"sensors/a*\" uses '*' inside a level: wildcards are whole levels, '*' or '**'");
  EXPECT_TRUE(contains(message_of("[[topic]]\nmatch = \"a//b\"\n"), "has an empty level"));
}

TEST(RelayConfigTopic, SamePatternTwiceIsAnError) {
  const ConfigError e = error_of("[[topic]]\nmatch = \"a/**\"\n\n[[topic]]\nmatch = \"a/**\"\n");
  EXPECT_EQ(e.line, 5u);
  EXPECT_EQ(e.message, "topic.match: \"a/**\" is already configured at line 2");
}

TEST(RelayConfigTopic, UnknownKeyIsAnError) {
  const ConfigError e = error_of("[[topic]]\nmatch = \"a\"\nhistroy = 5\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.message, "unknown key 'histroy' in [[topic]] (did you mean 'history'?)");
}

TEST(RelayConfigTopic, PublishListsWhoMayPublish) {
  const TopicConfig none = config_of("[[topic]]\nmatch = \"a\"\npublish = []\n").topics.at(0);
  EXPECT_FALSE(none.publish.http || none.publish.clients || none.publish.sources);
  const TopicConfig clients = config_of("[[topic]]\nmatch = \"a\"\npublish = [\"clients\"]\n").topics.at(0);
  EXPECT_TRUE(clients.publish.clients);
  EXPECT_FALSE(clients.publish.http);
}

TEST(RelayConfigTopic, PublishRefusesUnknownAndRepeatedEntries) {
  const ConfigError e = error_of("[[topic]]\nmatch = \"a\"\npublish = [\"http\", \"everyone\"]\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 20u);
  EXPECT_EQ(e.message, "topic.publish: \"everyone\" is not one of http | clients | sources");
  EXPECT_EQ(message_of("[[topic]]\nmatch = \"a\"\npublish = [\"http\", \"http\"]\n"),
            "topic.publish: lists \"http\" twice");
  EXPECT_TRUE(contains(message_of("[[topic]]\nmatch = \"a\"\npublish = \"http\"\n"), "expected an array"));
}

TEST(RelayConfigTopic, SubscribeAndPolicyAreEnums) {
  EXPECT_EQ(message_of("[[topic]]\nmatch = \"a\"\nsubscribe = \"all\"\n"),
            "topic.subscribe: \"all\" is not one of anyone | api_key | nobody");
  EXPECT_EQ(config_of("[[topic]]\nmatch = \"a\"\nsubscribe = \"nobody\"\n").topics.at(0).subscribe,
            SubscribeAccess::nobody);
  EXPECT_TRUE(contains(message_of("[[topic]]\nmatch = \"a\"\npolicy = \"newest\"\n"), "is not one of close"));
}

TEST(RelayConfigTopic, HistoryBoundsAreChecked) {
  EXPECT_EQ(message_of("[[topic]]\nmatch = \"a\"\nhistory = 10\nhistory_bytes = 0\n"),
            "topic.history_bytes: must be above 0B when history keeps messages");
  EXPECT_EQ(message_of("[[topic]]\nmatch = \"a\"\nhistory = -1\n"),
            "topic.history: must be from 0 to 1000000, not -1");
  EXPECT_EQ(config_of("[[topic]]\nmatch = \"a\"\nhistory_age = 0\n").topics.at(0).history_age,
            milliseconds{0});
  EXPECT_TRUE(contains(message_of("[[topic]]\nmatch = \"a\"\nretain_last = \"yes\"\n"),
                       "topic.retain_last: expected true or false, got a string"));
}

}  // namespace
}  // namespace sluice::relay
