// COBS framing: the published examples, empty frames, frames that end inside a block, oversized
// frames and truncation; every case at every split point.
#include "sources/framing/cobs_decoder.hpp"

#include "framing_harness.hpp"

namespace sluice::relay {
namespace {

using test::decode_every_way;
using test::factory;
using Frames = std::vector<std::string>;
using namespace std::string_literals;

std::string run(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) s += static_cast<char>(i);
  return s;
}

struct Example {
  std::string decoded;
  std::string encoded;
};

// The examples of the COBS article on Wikipedia, each encoding followed by its zero.
std::vector<Example> examples() {
  return {
      {"\x00"s, "\x01\x01\x00"s},
      {"\x00\x00"s, "\x01\x01\x01\x00"s},
      {"\x00\x11\x00"s, "\x01\x02\x11\x01\x00"s},
      {"\x11\x22\x00\x33"s, "\x03\x11\x22\x02\x33\x00"s},
      {"\x11\x22\x33\x44"s, "\x05\x11\x22\x33\x44\x00"s},
      {"\x11\x00\x00\x00"s, "\x02\x11\x01\x01\x01\x00"s},
      {run(1, 254), "\xFF"s + run(1, 254) + "\x00"s},
      {"\x00"s + run(1, 254), "\x01\xFF"s + run(1, 254) + "\x00"s},
      {run(1, 255), "\xFF"s + run(1, 254) + "\x02\xFF\x00"s},
      {run(2, 255) + "\x00"s, "\xFF"s + run(2, 255) + "\x01\x01\x00"s},
      {run(3, 255) + "\x00\x01"s, "\xFE"s + run(3, 255) + "\x02\x01\x00"s},
  };
}

TEST(CobsDecoder, DecodesThePublishedExamples) {
  for (const Example& e : examples()) {
    EXPECT_EQ(test::decode_whole(factory(Framing::cobs, 1024), e.encoded).frames, (Frames{e.decoded}));
  }
}

TEST(CobsDecoder, DecodesTheExamplesAtEverySplitPoint) {
  std::string all;
  Frames expected;
  for (const Example& e : examples()) {
    if (e.decoded.size() > 8) continue;  // the long ones make the every-way run slow
    all += e.encoded;
    expected.push_back(e.decoded);
  }
  EXPECT_EQ(decode_every_way(factory(Framing::cobs, 64), all).frames, expected);
}

TEST(CobsDecoder, LongExampleAtEverySplitPoint) {
  const Example e = examples()[8];
  EXPECT_EQ(decode_every_way(factory(Framing::cobs, 1024), e.encoded).frames, (Frames{e.decoded}));
}

TEST(CobsDecoder, FullBlockFollowedByAnEmptyBlockDecodesTheSame) {
  EXPECT_EQ(test::decode_whole(factory(Framing::cobs, 1024), "\xFF"s + run(1, 254) + "\x01\x00"s).frames,
            (Frames{run(1, 254)}));
}

TEST(CobsDecoder, EmptyFramesAreSkipped) {
  const auto d = decode_every_way(factory(Framing::cobs, 64), "\x00\x00\x01\x00\x02z\x00"s);
  EXPECT_EQ(d.frames, (Frames{"z"}));
  EXPECT_EQ(d.counters.skipped_empty, 3u);
}

TEST(CobsDecoder, FrameEndingInsideABlockIsMalformedAndDecodingResumes) {
  const auto d = decode_every_way(factory(Framing::cobs, 64),
                                  "\x05"
                                  "ab\x00\x02z\x00"s);
  EXPECT_EQ(d.frames, (Frames{"z"}));
  EXPECT_EQ(d.counters.malformed, 1u);
  EXPECT_EQ(d.drops, (std::vector<DropReason>{DropReason::malformed}));
}

TEST(CobsDecoder, FrameOfExactlyMaxFrameIsDelivered) {
  EXPECT_EQ(decode_every_way(factory(Framing::cobs, 4),
                             "\x05"
                             "abcd\x00"s,
                             true, 4)
                .frames,
            (Frames{"abcd"}));
}

TEST(CobsDecoder, OversizedFrameIsDroppedAndDecodingResumes) {
  const auto d = decode_every_way(factory(Framing::cobs, 3),
                                  "\x05"
                                  "abcd\x00\x02z\x00"s,
                                  true, 3);
  EXPECT_EQ(d.frames, (Frames{"z"}));
  EXPECT_EQ(d.counters.oversized, 1u);
}

TEST(CobsDecoder, ImpliedZerosCountTowardsTheSize) {
  const auto d = decode_every_way(factory(Framing::cobs, 4),
                                  "\x02"
                                  "a\x02"
                                  "b\x02"
                                  "c\x00\x02z\x00"s,
                                  true, 4);
  EXPECT_EQ(d.frames, (Frames{"z"}));
  EXPECT_EQ(d.counters.oversized, 1u);
}

TEST(CobsDecoder, StreamEndingInsideAFrameIsTruncated) {
  EXPECT_EQ(decode_every_way(factory(Framing::cobs, 64),
                             "\x03"
                             "ab"s)
                .counters.truncated,
            1u);
  EXPECT_EQ(decode_every_way(factory(Framing::cobs, 64), "\x02z\x00"s).counters.truncated, 0u);
}

}  // namespace
}  // namespace sluice::relay
