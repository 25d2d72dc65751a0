// Topic names and patterns: validation, '*' and '**' matching (including zero levels and
// backtracking), and the specificity order.
#include "topics/topic_pattern.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice::relay {
namespace {

TopicPattern pattern(std::string_view text) {
  auto p = TopicPattern::parse(text);
  EXPECT_TRUE(p.has_value()) << text;
  return p ? *p : *TopicPattern::parse("invalid");
}

bool match(std::string_view p, std::string_view name) { return pattern(p).matches(name); }

TEST(TopicPattern, ValidNamesPass) {
  EXPECT_EQ(check_topic_name("sensors"), TopicCheck::ok);
  EXPECT_EQ(check_topic_name("sensors/radio/rssi"), TopicCheck::ok);
  EXPECT_EQ(check_topic_name("caf\xC3\xA9 au lait/\xE2\x82\xAC"), TopicCheck::ok);
  EXPECT_EQ(check_topic_name(std::string(max_topic_bytes, 'a')), TopicCheck::ok);
}

TEST(TopicPattern, InvalidNamesSayWhy) {
  EXPECT_EQ(check_topic_name(""), TopicCheck::empty);
  EXPECT_EQ(check_topic_name(std::string(max_topic_bytes + 1, 'a')), TopicCheck::too_long);
  EXPECT_EQ(check_topic_name("a//b"), TopicCheck::empty_level);
  EXPECT_EQ(check_topic_name("/a"), TopicCheck::empty_level);
  EXPECT_EQ(check_topic_name("a/"), TopicCheck::empty_level);
  EXPECT_EQ(check_topic_name("/"), TopicCheck::empty_level);
  EXPECT_EQ(check_topic_name("a\nb"), TopicCheck::control_character);
  EXPECT_EQ(check_topic_name(std::string("a\0b", 3)), TopicCheck::control_character);
  EXPECT_EQ(check_topic_name("a\x7F"), TopicCheck::control_character);
  EXPECT_EQ(check_topic_name("a\xC3"), TopicCheck::invalid_utf8);
  EXPECT_EQ(check_topic_name("a/*"), TopicCheck::wildcard_in_name);
  EXPECT_EQ(check_topic_name("a/**"), TopicCheck::wildcard_in_name);
  EXPECT_EQ(check_topic_name("a*b"), TopicCheck::wildcard_in_name);
}

TEST(TopicPattern, WildcardsAreWholeLevelsOnly) {
  EXPECT_EQ(check_topic_pattern("a/*/b"), TopicCheck::ok);
  EXPECT_EQ(check_topic_pattern("**"), TopicCheck::ok);
  EXPECT_EQ(check_topic_pattern("a/**/b/**"), TopicCheck::ok);
  EXPECT_EQ(check_topic_pattern("a*"), TopicCheck::partial_wildcard);
  EXPECT_EQ(check_topic_pattern("a/***"), TopicCheck::partial_wildcard);
  EXPECT_EQ(check_topic_pattern("a/*b/c"), TopicCheck::partial_wildcard);
  EXPECT_EQ(check_topic_pattern("a//*"), TopicCheck::empty_level);
  EXPECT_FALSE(TopicPattern::parse("a*").has_value());
  EXPECT_FALSE(TopicPattern::parse("").has_value());
}

TEST(TopicPattern, EveryCheckHasADescription) {
  EXPECT_EQ(describe(TopicCheck::empty_level), "has an empty level (a leading, trailing or doubled '/')");
  EXPECT_FALSE(describe(TopicCheck::partial_wildcard).empty());
}

TEST(TopicPattern, ExactPatternMatchesOnlyItself) {
  EXPECT_TRUE(match("sensors/radio", "sensors/radio"));
  EXPECT_FALSE(match("sensors/radio", "sensors/radio/x"));
  EXPECT_FALSE(match("sensors/radio", "sensors"));
  EXPECT_FALSE(match("sensors/radio", "sensors/radi"));
  EXPECT_TRUE(pattern("sensors/radio").is_exact());
}

TEST(TopicPattern, StarMatchesExactlyOneLevel) {
  EXPECT_TRUE(match("sensors/*", "sensors/a"));
  EXPECT_FALSE(match("sensors/*", "sensors"));
  EXPECT_FALSE(match("sensors/*", "sensors/a/b"));
  EXPECT_TRUE(match("*/rssi", "radio/rssi"));
  EXPECT_TRUE(match("a/*/c", "a/b/c"));
  EXPECT_FALSE(match("a/*/c", "a/b/d"));
  EXPECT_TRUE(match("*", "x"));
  EXPECT_FALSE(match("*", "x/y"));
}

TEST(TopicPattern, DoubleStarMatchesAnyDepth) {
  EXPECT_TRUE(match("sensors/**", "sensors/a"));
  EXPECT_TRUE(match("sensors/**", "sensors/a/b"));
  EXPECT_TRUE(match("sensors/**", "sensors/a/b/c/d"));
  EXPECT_FALSE(match("sensors/**", "other/a"));
  EXPECT_FALSE(match("sensors/**", "sensorsx/a"));
}

TEST(TopicPattern, DoubleStarMatchesZeroLevelsToo) {
  EXPECT_TRUE(match("sensors/**", "sensors"));
  EXPECT_TRUE(match("a/**/b", "a/b"));
  EXPECT_TRUE(match("**/b", "b"));
}

TEST(TopicPattern, DoubleStarAloneMatchesEverything) {
  EXPECT_TRUE(match("**", "a"));
  EXPECT_TRUE(match("**", "a/b/c"));
}

TEST(TopicPattern, DoubleStarInTheMiddleBacktracks) {
  EXPECT_TRUE(match("a/**/b", "a/x/y/b"));
  EXPECT_TRUE(match("a/**/b", "a/b/b"));
  EXPECT_TRUE(match("a/**/b", "a/b/x/b"));
  EXPECT_FALSE(match("a/**/b", "a/b/x"));
  EXPECT_TRUE(match("**/x/*", "a/b/x/c"));
  EXPECT_FALSE(match("**/x/*", "a/b/x/c/d"));
  EXPECT_TRUE(match("a/**/b/**/c", "a/1/b/2/3/c"));
  EXPECT_FALSE(match("a/**/b/**/c", "a/1/c/2/b"));
  EXPECT_TRUE(match("**/**", "a"));
  EXPECT_TRUE(match("*/**", "a"));
  EXPECT_FALSE(match("*/*/**", "a"));
}

TEST(TopicPattern, LiteralLevelsCompareWholeLevels) {
  EXPECT_FALSE(match("a/*", "ab/c"));
  EXPECT_FALSE(match("**/c", "a/bc"));
  EXPECT_TRUE(match("**/bc", "a/bc"));
}

TEST(TopicPattern, ManyDoubleStarsStayCheap) {
  std::string p;
  std::string name;
  for (int i = 0; i < 60; ++i) p += "**/";
  p += "z";
  for (int i = 0; i < 120; ++i) name += "a/";
  name += "b";
  EXPECT_FALSE(match(p, name));
}

TEST(TopicPattern, ExactBeatsWildcards) {
  EXPECT_GT(pattern("a/b/c").specificity(), pattern("a/b/c/**").specificity());
  EXPECT_GT(pattern("x").specificity(), pattern("a/b/*").specificity());
}

TEST(TopicPattern, MoreLiteralLevelsBeatFewer) {
  EXPECT_GT(pattern("a/b/**").specificity(), pattern("a/**").specificity());
  EXPECT_GT(pattern("a/b/**").specificity(), pattern("a/*/*").specificity());
}

TEST(TopicPattern, StarBeatsDoubleStar) {
  EXPECT_GT(pattern("a/*").specificity(), pattern("a/**").specificity());
  EXPECT_GT(pattern("a/*/c").specificity(), pattern("a/**/c").specificity());
  EXPECT_GT(pattern("a/*/**").specificity(), pattern("a/**").specificity());
}

TEST(TopicPattern, EquallySpecificPatternsCompareEqual) {
  EXPECT_EQ(pattern("a/b/*").specificity(), pattern("a/*/c").specificity());
  EXPECT_EQ(pattern("a/**").specificity(), pattern("**/z").specificity());
}

}  // namespace
}  // namespace sluice::relay
