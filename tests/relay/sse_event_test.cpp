// Server-Sent Events text: fields per line, data split at every line break, ids as sequence
// numbers or TOPIC:SEQ, binary as base64 under "binary", notices as named events; and the
// event-stream form of a subscription URL, with Last-Event-ID read like since=.
#include "topics/sse_event.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice::relay {
namespace {

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(SseEvent, EachLineOfTheDataIsItsOwnField) {
  EXPECT_EQ(sse_event({}, "7", "one"), "id: 7\ndata: one\n\n");
  EXPECT_EQ(sse_event("gap", {}, "a\nb\r\nc\rd"), "event: gap\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(sse_event({}, {}, ""), "data: \n\n");
  EXPECT_EQ(sse_event({}, {}, "end\n"), "data: end\ndata: \n\n");
}

TEST(SseEvent, MessagesCarryTheirSequenceNumberAsId) {
  const EnvelopeMessage text{"sensors/t", 41, PublishTime{}, Opcode::text, bytes("21.5")};
  EXPECT_EQ(sse_message(text, Format::raw, false), "id: 41\ndata: 21.5\n\n");
  EXPECT_EQ(sse_message(text, Format::raw, true), "id: sensors/t:41\ndata: 21.5\n\n");
  const std::string raw("\0\1\xff", 3);
  const EnvelopeMessage binary{"b", 2, PublishTime{}, Opcode::binary, bytes(raw)};
  EXPECT_EQ(sse_message(binary, Format::raw, false), "event: binary\nid: 2\ndata: AAH/\n\n");
  EXPECT_EQ(sse_message(text, Format::json, false), "id: 41\ndata: " + envelope(text) + "\n\n");
}

TEST(SseEvent, NoticesAreNamedEvents) {
  EXPECT_EQ(sse_notice(GapNotice{"t", 3, 5, GapReason::evicted}),
            "event: gap\ndata: " + envelope(GapNotice{"t", 3, 5, GapReason::evicted}) + "\n\n");
  EXPECT_EQ(sse_notice(SubscribedNotice{"e1"}).substr(0, 18), "event: subscribed\n");
  EXPECT_EQ(sse_notice(ResetNotice{"t", 9, 2}).substr(0, 13), "event: reset\n");
}

TEST(EventStreamSubscription, LastEventIdResumesLikeSince) {
  SubscriptionParse p = parse_event_stream_subscription("/topics/t", "", "12");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_TRUE(p.request->event_stream);
  ASSERT_EQ(p.request->resume.size(), 1u);
  EXPECT_EQ(p.request->resume[0], (ResumePoint{"t", 12}));
  EXPECT_NE(p.request->key, parse_subscription("/topics/t", "").request->key);  // a key of its own

  p = parse_event_stream_subscription("/topics/a/*", "", "a/b:3");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->resume[0], (ResumePoint{"a/b", 3}));

  p = parse_event_stream_subscription("/topics/t", "since=4", "12");  // the query wins
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->resume[0].after, 4u);

  EXPECT_FALSE(parse_event_stream_subscription("/topics/t", "", "x").request);
  EXPECT_FALSE(parse_event_stream_subscription("/topics/a/*", "", "12").request);   // which topic?
  EXPECT_FALSE(parse_event_stream_subscription("/topics/a/*", "", "b:1").request);  // not covered
}

}  // namespace
}  // namespace sluice::relay
