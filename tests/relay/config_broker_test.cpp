// [broker]: its keys and defaults, one URL or a list, and every mistake at its FILE:LINE:COLUMN.
#include <gtest/gtest.h>

#include "config/config.hpp"

namespace sluice::relay {
namespace {

ConfigError error_of(std::string_view text) {
  ConfigResult r = load_config_string(text, "t.toml");
  EXPECT_FALSE(r.ok()) << text;
  return r.error;
}

TEST(ConfigBroker, NoneByDefault) {
  ConfigResult r = load_config_string("", "t.toml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->broker.type, BrokerType::none);
  EXPECT_TRUE(r.config->broker.shards.empty());
}

TEST(ConfigBroker, OneRedis) {
  ConfigResult r = load_config_string(
      "[broker]\ntype = \"redis\"\nurl = \"redis://:pw@127.0.0.1:6390/2\"\nprobe_interval = \"500ms\"\n",
      "t.toml");
  ASSERT_TRUE(r.ok()) << r.error.to_string();
  const BrokerConfig& b = r.config->broker;
  EXPECT_EQ(b.type, BrokerType::redis);
  ASSERT_EQ(b.shards.size(), 1u);
  EXPECT_EQ(b.shards[0].port, 6390);
  EXPECT_EQ(b.shards[0].db, 2);
  EXPECT_EQ(b.shards[0].password, "pw");
  EXPECT_EQ(b.probe_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(b.command_timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(b.prefix, "sluice");
}

TEST(ConfigBroker, AListIsShards) {
  ConfigResult r = load_config_string(
      "[broker]\ntype = \"redis\"\nurl = [\"redis://10.0.0.1\", \"unix:/run/r.sock\"]\n", "t.toml");
  ASSERT_TRUE(r.ok()) << r.error.to_string();
  ASSERT_EQ(r.config->broker.shards.size(), 2u);
  EXPECT_TRUE(r.config->broker.shards[1].is_unix());
}

TEST(ConfigBroker, MistakesAreReportedWhereTheyAre) {
  ConfigError e = error_of("[broker]\ntype = \"redis\"\nurl = [\"redis://a\", \"redis://b:x\"]\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 21u);
  EXPECT_NE(e.message.find("port"), std::string::npos) << e.message;

  e = error_of("[broker]\ntype = \"redis\"\n");
  EXPECT_NE(e.message.find("url"), std::string::npos) << e.message;

  e = error_of("[broker]\ntype = \"kafka\"\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_NE(e.message.find("none | redis"), std::string::npos) << e.message;

  e = error_of("[broker]\ntype = \"redis\"\nurl = \"redis://a\"\nurls = []\n");
  EXPECT_EQ(e.line, 4u);
  EXPECT_NE(e.message.find("urls"), std::string::npos) << e.message;

  e = error_of("[broker]\nurl = \"redis://a\"\n");
  EXPECT_NE(e.message.find("type"), std::string::npos) << e.message;

  e = error_of(
      "[broker]\ntype = \"redis\"\nurl = \"redis://a\"\nreconnect_min = \"2s\"\nreconnect_max = \"1s\"\n");
  EXPECT_EQ(e.line, 5u);

  e = error_of("[broker]\ntype = \"redis\"\nurl = \"redis://a\"\nprefix = \"a b\"\n");
  EXPECT_EQ(e.line, 4u);
}

}  // namespace
}  // namespace sluice::relay
