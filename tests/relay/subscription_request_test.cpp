// Subscription URLs: topics from the path and the query, formats, and the resume positions a
// reconnecting client passes (since=SEQ for one exact topic, since=TOPIC:SEQ for any, epoch=E),
// each refusal with its reason.
#include "relay/subscription_request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice::relay {
namespace {

SubscriptionRequest accepted(std::string_view path, std::string_view query) {
  SubscriptionParse p = parse_subscription(path, query);
  EXPECT_TRUE(p.request.has_value()) << path << "?" << query << ": " << p.error;
  return p.request ? *p.request : SubscriptionRequest{};
}

std::string refused(std::string_view path, std::string_view query) {
  SubscriptionParse p = parse_subscription(path, query);
  EXPECT_FALSE(p.request.has_value()) << path << "?" << query;
  return p.error;
}

TEST(SubscriptionRequest, TopicFromThePathPercentDecoded) {
  SubscriptionRequest r = accepted("/topics/sensors/caf%C3%A9", "");
  ASSERT_EQ(r.patterns.size(), 1u);
  EXPECT_EQ(r.patterns[0].text(), "sensors/caf\xC3\xA9");
  EXPECT_EQ(r.single_topic(), "sensors/caf\xC3\xA9");
  EXPECT_EQ(r.format, Format::raw);
  EXPECT_TRUE(r.resume.empty());
}

TEST(SubscriptionRequest, SeveralTopicsSortedWithoutRepeatsShareOneKey) {
  SubscriptionRequest a = accepted("/topics", "topic=b/*&topic=a&topic=b/*");
  SubscriptionRequest b = accepted("/topics/a", "topic=b/*");
  ASSERT_EQ(a.patterns.size(), 2u);
  EXPECT_EQ(a.patterns[0].text(), "a");
  EXPECT_EQ(a.patterns[1].text(), "b/*");
  EXPECT_EQ(a.key, b.key);
  EXPECT_NE(a.key, accepted("/topics", "topic=a&topic=b/*&format=json").key);
  EXPECT_TRUE(a.single_topic().empty());
  EXPECT_TRUE(a.matches("b/x"));
  EXPECT_FALSE(a.matches("b/x/y"));
}

TEST(SubscriptionRequest, BareSinceResumesTheOneExactTopic) {
  SubscriptionRequest r = accepted("/topics/hist", "format=json&since=7");
  ASSERT_EQ(r.resume.size(), 1u);
  EXPECT_EQ(r.resume[0], (ResumePoint{"hist", 7}));
  EXPECT_EQ(r.resume_point("hist")->after, 7u);
  EXPECT_EQ(r.resume_point("other"), nullptr);
}

TEST(SubscriptionRequest, TopicSinceResumesEachTopicUnderPatterns) {
  SubscriptionRequest r = accepted(
      "/topics", "topic=sensors/**&topic=demo&format=json&since=sensors/b:4&since=demo:9&since=sensors/a:12");
  ASSERT_EQ(r.resume.size(), 3u);
  EXPECT_EQ(r.resume[0], (ResumePoint{"demo", 9}));
  EXPECT_EQ(r.resume[1], (ResumePoint{"sensors/a", 12}));
  EXPECT_EQ(r.resume[2], (ResumePoint{"sensors/b", 4}));
  EXPECT_EQ(r.resume_point("sensors/a")->after, 12u);
  EXPECT_EQ(r.resume_point("sensors"), nullptr);
  // The same positions in another order: the same engine topic.
  EXPECT_EQ(r.key, accepted("/topics", "topic=demo&topic=sensors/**&format=json").key);
}

TEST(SubscriptionRequest, TopicSinceSplitsAtTheLastColon) {
  SubscriptionRequest r = accepted("/topics/a:b", "format=json&since=a:b:3");
  ASSERT_EQ(r.resume.size(), 1u);
  EXPECT_EQ(r.resume[0], (ResumePoint{"a:b", 3}));
}

TEST(SubscriptionRequest, EpochIsKept) {
  EXPECT_EQ(accepted("/topics/a", "format=json&since=1&epoch=5f0c2a9e7d41b836").epoch, "5f0c2a9e7d41b836");
  EXPECT_EQ(accepted("/topics/a", "format=json").epoch, "");
}

TEST(SubscriptionRequest, RefusalsSayWhy) {
  EXPECT_NE(refused("/topics/a", "since=3").find("format=json"), std::string::npos);
  EXPECT_NE(refused("/topics/a/*", "format=json&since=3").find("since=TOPIC:SEQ"), std::string::npos);
  EXPECT_NE(refused("/topics", "topic=a&topic=b&format=json&since=3").find("one topic"), std::string::npos);
  EXPECT_NE(refused("/topics/a", "format=json&since=x").find("SEQ or TOPIC:SEQ"), std::string::npos);
  EXPECT_NE(refused("/topics/a", "format=json&since=a:").find("SEQ or TOPIC:SEQ"), std::string::npos);
  EXPECT_NE(refused("/topics/a", "format=json&since=a:-1").find("SEQ or TOPIC:SEQ"), std::string::npos);
  EXPECT_NE(refused("/topics/a", "format=json&since=1&since=2").find("twice"), std::string::npos);
  EXPECT_NE(refused("/topics/a", "format=json&since=a:1&since=a:2").find("twice"), std::string::npos);
  EXPECT_NE(refused("/topics/a", "format=json&since=1&since=a:2").find("twice"), std::string::npos);
  EXPECT_NE(refused("/topics/a/*", "format=json&since=b/c:1").find("does not cover"), std::string::npos);
  EXPECT_NE(refused("/topics/a/*", "format=json&since=a/*:1").find("contains '*'"), std::string::npos);
  EXPECT_NE(refused("/topics/a", "format=json&since=1&epoch=a%20b").find("epoch"), std::string::npos);
  EXPECT_NE(refused("/topics/a", "format=json&epoch=" + std::string(65, 'e')).find("epoch"),
            std::string::npos);
  EXPECT_NE(refused("/topics/a", "bogus=1").find("unknown query parameter"), std::string::npos);
  EXPECT_NE(refused("/topics", "").find("no topic"), std::string::npos);
  EXPECT_NE(refused("/topics/a//b", "").find("empty level"), std::string::npos);
  EXPECT_NE(refused("/topics/a", "format=xml").find("format"), std::string::npos);
  EXPECT_NE(refused("/topics/a%zz", "").find("escape"), std::string::npos);
}

TEST(SubscriptionRequest, ResumePointsAreBounded) {
  std::string query = "format=json";
  for (std::size_t i = 0; i <= max_resume_points; ++i) query += "&since=t/" + std::to_string(i) + ":1";
  EXPECT_NE(refused("/topics/t/*", query).find("too many"), std::string::npos);
}

}  // namespace
}  // namespace sluice::relay
