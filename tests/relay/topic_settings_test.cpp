// TopicSettings: which [[topic]] entry governs a topic, the defaults when none does, and the
// values derived for the history ring and the engine.
#include "config/topic_settings.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "config_test_helpers.hpp"

namespace sluice::relay {
namespace {

TEST(TopicSettings, NoEntriesGiveTheDefaultsToEveryTopic) {
  const TopicSettings settings;
  EXPECT_EQ(&settings.for_topic("any/topic"), &settings.defaults());
  EXPECT_EQ(settings.index_of("any/topic"), std::nullopt);
  EXPECT_EQ(settings.for_topic("x").subscribe, SubscribeAccess::anyone);
}

TEST(TopicSettings, MostSpecificEntryGovernsATopic) {
  const RelayConfig c = test::config_of(R"(
[[topic]]
match = "**"
history = 1
[[topic]]
match = "sensors/**"
history = 2
[[topic]]
match = "sensors/radio"
history = 3
[[topic]]
match = "sensors/*/rssi"
history = 4
)");
  const TopicSettings settings(c.topics);
  EXPECT_EQ(settings.for_topic("logs").history, 1u);
  EXPECT_EQ(settings.for_topic("sensors/x/y").history, 2u);
  EXPECT_EQ(settings.for_topic("sensors/radio").history, 3u);
  EXPECT_EQ(settings.for_topic("sensors/x/rssi").history, 4u);
  EXPECT_EQ(settings.index_of("sensors/radio"), 2u);
  EXPECT_EQ(settings.topics().size(), 4u);
}

TEST(TopicSettings, UnmatchedTopicGetsTheDefaults) {
  TopicConfig only;
  only.match = "sensors/*";
  only.history = 9;
  const TopicSettings settings({only});
  EXPECT_EQ(settings.for_topic("sensors/a").history, 9u);
  EXPECT_EQ(settings.for_topic("other").history, 0u);
}

TEST(TopicSettings, InvalidPatternIsRefused) {
  TopicConfig bad;
  bad.match = "a*";
  EXPECT_THROW(TopicSettings({bad}), std::invalid_argument);
}

TEST(TopicSettings, HistoryLimitsFollowTheEntry) {
  TopicConfig t;
  t.history = 100;
  t.history_bytes = 4096;
  t.history_age = milliseconds{5000};
  t.retain_last = true;
  const HistoryLimits l = history_limits(t);
  EXPECT_EQ(l.max_messages, 100u);
  EXPECT_EQ(l.max_bytes, 4096u);
  EXPECT_EQ(l.max_age, milliseconds{5000});
  EXPECT_TRUE(l.retain_last);
}

TEST(TopicSettings, EngineOptionsAndCapsFallBackToTheServer) {
  TopicConfig t;
  ServerConfig server;
  EXPECT_FALSE(engine_topic_options(t).policy.has_value());
  EXPECT_EQ(engine_topic_options(t).send_buffer_bytes, 0);
  EXPECT_EQ(max_buffered_bytes(t, server), server.max_buffered_bytes);
  t.policy = SlowConsumerPolicy::latest;
  t.send_buffer_bytes = 65536;
  t.max_buffered_bytes = 1000;
  EXPECT_EQ(engine_topic_options(t).policy, SlowConsumerPolicy::latest);
  EXPECT_EQ(engine_topic_options(t).send_buffer_bytes, 65536);
  EXPECT_EQ(max_buffered_bytes(t, server), 1000u);
}

}  // namespace
}  // namespace sluice::relay
