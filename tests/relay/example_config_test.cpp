// examples/sluice.toml: it loads, and it shows every key the schema knows (as a setting or as
// a commented-out line), so that the reference cannot fall behind the code; examples/gateway.toml
// loads with the three sources it promises.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "config/config.hpp"
#include "config/config_schema.hpp"

namespace sluice::relay {
namespace {

std::string example_text() {
  std::ifstream in(SLUICE_EXAMPLE_CONFIG);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A line setting the key, possibly commented out: "key = ..." or "# key = ...".
bool mentions(const std::string& text, std::string_view key) {
  const std::regex line("(^|\n)[ \t]*(#[ \t]*)?" + std::string(key) + "[ \t]*=");
  return std::regex_search(text, line);
}

TEST(ExampleConfig, LoadsWithoutErrors) {
  const ConfigResult r = load_config_file(SLUICE_EXAMPLE_CONFIG);
  ASSERT_TRUE(r.ok()) << r.error.to_string();
  EXPECT_EQ(r.config->sources.size(), 7u);
  EXPECT_EQ(r.config->topics.size(), 2u);
}

TEST(ExampleConfig, HasASourceOfEveryType) {
  const ConfigResult r = load_config_file(SLUICE_EXAMPLE_CONFIG);
  ASSERT_TRUE(r.ok());
  for (SourceType t : {SourceType::udp, SourceType::tcp, SourceType::serial, SourceType::standard_input,
                       SourceType::exec, SourceType::demo}) {
    bool found = false;
    for (const SourceConfig& s : r.config->sources) found = found || s.type() == t;
    EXPECT_TRUE(found) << to_string(t);
  }
}

TEST(ExampleConfig, GatewayHasAUdpATcpAndAnExecSource) {
  const ConfigResult r = load_config_file(SLUICE_GATEWAY_CONFIG);
  ASSERT_TRUE(r.ok()) << r.error.to_string();
  ASSERT_EQ(r.config->sources.size(), 3u);
  EXPECT_EQ(r.config->sources[0].type(), SourceType::udp);
  EXPECT_EQ(r.config->sources[1].type(), SourceType::tcp);
  EXPECT_EQ(r.config->sources[2].type(), SourceType::exec);
}

TEST(ExampleConfig, MentionsEveryKeyOfTheSchema) {
  const std::string text = example_text();
  ASSERT_FALSE(text.empty());
  for (const KeyInfo& k : server_keys()) EXPECT_TRUE(mentions(text, k.name)) << "server." << k.name;
  for (const KeyInfo& k : topic_keys()) EXPECT_TRUE(mentions(text, k.name)) << "topic." << k.name;
  for (const KeyInfo& k : source_keys()) EXPECT_TRUE(mentions(text, k.name)) << "source." << k.name;
  for (SourceType t : {SourceType::udp, SourceType::tcp, SourceType::serial, SourceType::standard_input,
                       SourceType::exec, SourceType::demo}) {
    for (const KeyInfo& k : source_type_keys(t))
      EXPECT_TRUE(mentions(text, k.name)) << to_string(t) << "." << k.name;
  }
  for (const KeyInfo& k : top_level_keys()) {
    EXPECT_TRUE(text.find("[" + std::string(k.name) + "]") != std::string::npos) << k.name;
  }
}

TEST(ExampleConfig, DescribeMentionsEveryKeyOfTheSchema) {
  const std::string text = describe_config();
  for (const KeyInfo& k : server_keys()) EXPECT_TRUE(mentions(text, k.name)) << k.name;
  for (const KeyInfo& k : source_type_keys(SourceType::exec)) EXPECT_TRUE(mentions(text, k.name)) << k.name;
}

}  // namespace
}  // namespace sluice::relay
