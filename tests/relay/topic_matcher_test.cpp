// TopicMatcher: the most specific matching [[topic]] entry wins, the first written among
// equals; no match is nullopt.
#include "topics/topic_matcher.hpp"

#include <gtest/gtest.h>

namespace sluice::relay {
namespace {

TopicMatcher matcher(std::initializer_list<std::string_view> texts) {
  std::vector<TopicPattern> patterns;
  for (auto t : texts) patterns.push_back(*TopicPattern::parse(t));
  return TopicMatcher(std::move(patterns));
}

TEST(TopicMatcher, NoPatternsMatchesNothing) { EXPECT_EQ(TopicMatcher().find("a"), std::nullopt); }

TEST(TopicMatcher, ExactNameWinsWhereverItIsWritten) {
  const auto m = matcher({"**", "sensors/**", "sensors/radio", "sensors/*"});
  EXPECT_EQ(m.find("sensors/radio"), 2u);
}

TEST(TopicMatcher, MostSpecificWildcardWins) {
  const auto m = matcher({"**", "sensors/**", "sensors/*", "sensors/radio/**"});
  EXPECT_EQ(m.find("sensors/x"), 2u);
  EXPECT_EQ(m.find("sensors/x/y"), 1u);
  EXPECT_EQ(m.find("sensors/radio/x"), 3u);
  EXPECT_EQ(m.find("sensors/radio"), 3u);  // '**' matches zero levels; two literals beat '*'
  EXPECT_EQ(m.find("sensors"), 1u);
  EXPECT_EQ(m.find("other"), 0u);
}

TEST(TopicMatcher, TiesGoToTheFirstWritten) {
  const auto m = matcher({"a/*/c", "a/b/*"});
  EXPECT_EQ(m.find("a/b/c"), 0u);
  const auto reversed = matcher({"a/b/*", "a/*/c"});
  EXPECT_EQ(reversed.find("a/b/c"), 0u);
}

TEST(TopicMatcher, DuplicateExactNamesGoToTheFirstWritten) {
  const auto m = matcher({"b", "a", "a"});
  EXPECT_EQ(m.find("a"), 1u);
  EXPECT_EQ(m.find("b"), 0u);
  EXPECT_EQ(m.find("c"), std::nullopt);
}

TEST(TopicMatcher, NoMatchIsNullopt) {
  const auto m = matcher({"sensors/*", "logs"});
  EXPECT_EQ(m.find("sensors/a/b"), std::nullopt);
  EXPECT_EQ(m.find("log"), std::nullopt);
}

TEST(TopicMatcher, WildcardOrderIsMostSpecificFirst) {
  const auto m = matcher({"**", "a/**", "exact", "a/*"});
  EXPECT_EQ(m.wildcard_order(), (std::vector<std::size_t>{3, 1, 0}));
}

TEST(TopicMatcher, CopiesStayValid) {
  std::optional<TopicMatcher> original = matcher({"short", "a/much/longer/exact/topic/name"});
  const TopicMatcher copy = *original;
  original.reset();
  EXPECT_EQ(copy.find("short"), 0u);
  EXPECT_EQ(copy.find("a/much/longer/exact/topic/name"), 1u);
}

}  // namespace
}  // namespace sluice::relay
