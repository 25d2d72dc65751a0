// SLIP framing (RFC 1055): END-delimited frames, the two escapes, invalid escapes, oversized
// frames and truncation; every case at every split point.
#include "sources/framing/slip_decoder.hpp"

#include "framing_harness.hpp"

namespace sluice::relay {
namespace {

using test::decode_every_way;
using test::factory;
using Frames = std::vector<std::string>;
using namespace std::string_literals;

TEST(SlipDecoder, DecodesFramesBetweenEnds) {
  const auto d = decode_every_way(factory(Framing::slip, 64), "\xC0hello\xC0\xC0world\xC0"s);
  EXPECT_EQ(d.frames, (Frames{"hello", "world"}));
  EXPECT_EQ(d.counters.dropped(), 0u);
}

TEST(SlipDecoder, LeadingEndAndEmptyFramesAreSkipped) {
  const auto d = decode_every_way(factory(Framing::slip, 64),
                                  "\xC0\xC0\xC0"
                                  "a\xC0\xC0"s);
  EXPECT_EQ(d.frames, (Frames{"a"}));
  EXPECT_EQ(d.counters.skipped_empty, 4u);
}

TEST(SlipDecoder, FrameWithoutALeadingEnd) {
  EXPECT_EQ(decode_every_way(factory(Framing::slip, 64), "abc\xC0"s).frames, (Frames{"abc"}));
}

TEST(SlipDecoder, UnescapesEndAndEsc) {
  const auto d = decode_every_way(factory(Framing::slip, 64),
                                  "a\xDB\xDC"
                                  "b\xDB\xDD"
                                  "c\xC0\xDB\xDD\xDB\xDC\xC0"s);
  EXPECT_EQ(d.frames, (Frames{"a\xC0"
                              "b\xDB"
                              "c",
                              "\xDB\xC0"}));
}

TEST(SlipDecoder, InvalidEscapeIsMalformedAndDecodingResumesAtTheNextEnd) {
  const auto d = decode_every_way(factory(Framing::slip, 64), "a\xDBxb\xDB\xDC\xC0ok\xC0"s);
  EXPECT_EQ(d.frames, (Frames{"ok"}));
  EXPECT_EQ(d.counters.malformed, 1u);
  EXPECT_EQ(d.drops, (std::vector<DropReason>{DropReason::malformed}));
}

TEST(SlipDecoder, EscRightBeforeEndIsMalformedAndTheEndStillDelimits) {
  const auto d = decode_every_way(factory(Framing::slip, 64), "a\xDB\xC0ok\xC0"s);
  EXPECT_EQ(d.frames, (Frames{"ok"}));
  EXPECT_EQ(d.counters.malformed, 1u);
}

TEST(SlipDecoder, DoubleEscIsMalformed) {
  const auto d = decode_every_way(factory(Framing::slip, 64), "\xDB\xDB\xDD\xC0z\xC0"s);
  EXPECT_EQ(d.frames, (Frames{"z"}));
  EXPECT_EQ(d.counters.malformed, 1u);
}

TEST(SlipDecoder, FrameOfExactlyMaxFrameIsDelivered) {
  EXPECT_EQ(decode_every_way(factory(Framing::slip, 3), "abc\xC0"s, true, 3).frames, (Frames{"abc"}));
  EXPECT_EQ(decode_every_way(factory(Framing::slip, 3),
                             "a\xDB\xDC"
                             "b\xC0"s,
                             true, 3)
                .frames,
            (Frames{"a\xC0"
                    "b"}));
}

TEST(SlipDecoder, OversizedFrameIsDroppedAndDecodingResumes) {
  const auto d = decode_every_way(factory(Framing::slip, 3), "abcd\xC0ok\xC0"s, true, 3);
  EXPECT_EQ(d.frames, (Frames{"ok"}));
  EXPECT_EQ(d.counters.oversized, 1u);
}

TEST(SlipDecoder, SizeIsCountedAfterUnescaping) {
  const auto d = decode_every_way(factory(Framing::slip, 3), "ab\xDB\xDC\xDB\xDC\xC0z\xC0"s, true, 3);
  EXPECT_EQ(d.frames, (Frames{"z"}));
  EXPECT_EQ(d.counters.oversized, 1u);
}

TEST(SlipDecoder, InvalidEscapeInsideAnOversizedFrameCountsOnce) {
  const auto d = decode_every_way(factory(Framing::slip, 2), "abcd\xDBx\xC0z\xC0"s, true, 2);
  EXPECT_EQ(d.frames, (Frames{"z"}));
  EXPECT_EQ(d.counters.oversized, 1u);
  EXPECT_EQ(d.counters.malformed, 0u);
}

TEST(SlipDecoder, StreamEndingInsideAFrameIsTruncated) {
  EXPECT_EQ(decode_every_way(factory(Framing::slip, 64),
                             "\xC0"
                             "abc"s)
                .counters.truncated,
            1u);
  EXPECT_EQ(decode_every_way(factory(Framing::slip, 64), "abc\xDB"s).counters.truncated, 1u);
  EXPECT_EQ(decode_every_way(factory(Framing::slip, 64), "abc\xC0"s).counters.truncated, 0u);
  EXPECT_EQ(decode_every_way(factory(Framing::slip, 2), "abc"s, true, 2).counters.truncated, 0u);
}

}  // namespace
}  // namespace sluice::relay
