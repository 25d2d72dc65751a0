// BrokerMessage and RedisKeys: the message format the publish script writes, and the names a
// topic and a pattern have in Redis.
#include <gtest/gtest.h>

#include "broker/broker_message.hpp"
#include "broker/redis_keys.hpp"

namespace sluice::relay {
namespace {

TEST(BrokerMessage, ParsesWhatThePublishScriptWrites) {
  auto m = parse_broker_message("42 1733339000123 t 5f0c2a9e7d41b836\n21.5 and\nmore");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->seq, 42u);
  EXPECT_EQ(m->time_ms, 1733339000123);
  EXPECT_EQ(m->opcode, Opcode::text);
  EXPECT_EQ(m->epoch, "5f0c2a9e7d41b836");
  EXPECT_EQ(m->payload, "21.5 and\nmore");
  auto b = parse_broker_message(std::string_view("1 5 b e\n\0\1", 10));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->opcode, Opcode::binary);
  EXPECT_EQ(b->payload.size(), 2u);
  auto empty = parse_broker_message("3 5 t e\n");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->payload.empty());
}

TEST(BrokerMessage, RefusesAnythingElse) {
  for (std::string_view bad :
       {"", "x", "0 5 t e\nd", "1 5 x e\nd", "1 5 t\nd", "1 5 t e", "1 t e\nd", "1 5 te\nd", "-1 5 t e\nd"})
    EXPECT_FALSE(parse_broker_message(bad)) << bad;
}

TEST(RedisKeys, NamesUnderThePrefix) {
  const RedisKeys k("sl");
  EXPECT_EQ(k.epoch(), "sl:epoch");
  EXPECT_EQ(k.meta("a/b"), "sl:seq:a/b");
  EXPECT_EQ(k.log("a/b"), "sl:log:a/b");
  EXPECT_EQ(k.channel("a/b"), "sl:msg:a/b");
  EXPECT_EQ(k.topic_of("sl:msg:a/b"), "a/b");
  EXPECT_EQ(k.topic_of("sl:probe:x"), "");
  EXPECT_EQ(k.topic_of("other:msg:a"), "");
}

TEST(RedisKeys, PatternsBecomeGlobsCoveringThem) {
  const RedisKeys k("sl");
  EXPECT_EQ(k.subscription(*TopicPattern::parse("a/b")), "sl:msg:a/b");
  EXPECT_EQ(k.subscription(*TopicPattern::parse("a/*")), "sl:msg:a*");
  EXPECT_EQ(k.subscription(*TopicPattern::parse("a/**")), "sl:msg:a*");  // "a" itself too
  EXPECT_EQ(k.subscription(*TopicPattern::parse("a/*/c")), "sl:msg:a*");
  EXPECT_EQ(k.subscription(*TopicPattern::parse("**")), "sl:msg:*");
  EXPECT_EQ(k.subscription(*TopicPattern::parse("x?[y]/*")), "sl:msg:x\\?\\[y\\]*");
}

}  // namespace
}  // namespace sluice::relay
