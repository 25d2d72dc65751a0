// len16 and len32 framing: big-endian lengths, oversized records skipped by their declared
// length, truncation at the end of the stream; every case at every split point.
#include "sources/framing/length_prefix_decoder.hpp"

#include "framing_harness.hpp"

namespace sluice::relay {
namespace {

using test::decode_every_way;
using test::factory;
using Frames = std::vector<std::string>;
using namespace std::string_literals;

TEST(LengthPrefixDecoder, Len16ReadsBigEndianLengths) {
  const auto d = decode_every_way(factory(Framing::len16, 64),
                                  "\x00\x03"
                                  "abc\x00\x01z"s);
  EXPECT_EQ(d.frames, (Frames{"abc", "z"}));
}

TEST(LengthPrefixDecoder, Len32ReadsBigEndianLengths) {
  const auto d = decode_every_way(factory(Framing::len32, 64),
                                  "\x00\x00\x00\x03"
                                  "abc\x00\x00\x00\x01z"s);
  EXPECT_EQ(d.frames, (Frames{"abc", "z"}));
}

TEST(LengthPrefixDecoder, HighLengthBytesCount) {
  const std::string payload(0x0102, 'p');
  const auto d = test::decode_whole(factory(Framing::len16, 1000), "\x01\x02"s + payload);
  EXPECT_EQ(d.frames, (Frames{payload}));
}

TEST(LengthPrefixDecoder, PayloadMayHoldAnyBytes) {
  const std::string payload("\x00\x01\xFF\xC0", 4);
  EXPECT_EQ(decode_every_way(factory(Framing::len16, 64), "\x00\x04"s + payload).frames, (Frames{payload}));
}

TEST(LengthPrefixDecoder, ZeroLengthRecordIsSkipped) {
  const auto d = decode_every_way(factory(Framing::len16, 64), "\x00\x00\x00\x01z\x00\x00"s);
  EXPECT_EQ(d.frames, (Frames{"z"}));
  EXPECT_EQ(d.counters.skipped_empty, 2u);
}

TEST(LengthPrefixDecoder, RecordOfExactlyMaxFrameIsDelivered) {
  EXPECT_EQ(decode_every_way(factory(Framing::len16, 3),
                             "\x00\x03"
                             "abc"s,
                             true, 3)
                .frames,
            (Frames{"abc"}));
}

TEST(LengthPrefixDecoder, OversizedRecordIsSkippedByItsDeclaredLength) {
  const auto d = decode_every_way(factory(Framing::len16, 3), "\x00\x05hello\x00\x02ok"s, true, 3);
  EXPECT_EQ(d.frames, (Frames{"ok"}));
  EXPECT_EQ(d.counters.oversized, 1u);
  EXPECT_EQ(d.drops, (std::vector<DropReason>{DropReason::oversized}));
}

TEST(LengthPrefixDecoder, LongSkipHoldsNothing) {
  const std::string input = "\x00\x00\x03\xE8"s + std::string(1000, 'x') + "\x00\x00\x00\x02ok"s;
  const auto d = decode_every_way(factory(Framing::len32, 16), input, true, 16);
  EXPECT_EQ(d.frames, (Frames{"ok"}));
  EXPECT_EQ(d.counters.oversized, 1u);
}

TEST(LengthPrefixDecoder, HugeDeclaredLengthIsSkippedWithoutBuffering) {
  LengthPrefixDecoder decoder(PrefixWidth::four_bytes, 16);
  test::RecordingSink sink;
  decoder.feed(test::bytes_of("\x7F\xFF\xFF\xFF"s), sink);
  const std::string block(1 << 16, 'x');
  for (int i = 0; i < 64; ++i) decoder.feed(test::bytes_of(block), sink);
  EXPECT_EQ(decoder.bytes_held(), 0u);
  EXPECT_EQ(decoder.counters().oversized, 1u);
  EXPECT_TRUE(sink.decoded.frames.empty());
}

TEST(LengthPrefixDecoder, StreamEndingInsideARecordIsTruncated) {
  EXPECT_EQ(decode_every_way(factory(Framing::len16, 64),
                             "\x00\x05"
                             "ab"s)
                .counters.truncated,
            1u);
  EXPECT_EQ(decode_every_way(factory(Framing::len32, 64), "\x00\x00"s).counters.truncated, 1u);
  EXPECT_EQ(decode_every_way(factory(Framing::len16, 64), "\x00\x01z"s).counters.truncated, 0u);
}

TEST(LengthPrefixDecoder, StreamEndingInsideAnOversizedRecordCountsOnce) {
  const auto d = decode_every_way(factory(Framing::len16, 2),
                                  "\x00\x05"
                                  "abc"s,
                                  true, 2);
  EXPECT_EQ(d.counters.oversized, 1u);
  EXPECT_EQ(d.counters.truncated, 0u);
}

TEST(LengthPrefixDecoder, FinishStartsAFreshStream) {
  LengthPrefixDecoder decoder(PrefixWidth::two_bytes, 64);
  test::RecordingSink sink;
  decoder.feed(test::bytes_of("\x00\x09partial"s), sink);
  decoder.finish(sink);
  decoder.feed(test::bytes_of("\x00\x02ok"s), sink);
  EXPECT_EQ(sink.decoded.frames, (Frames{"ok"}));
  EXPECT_EQ(decoder.counters().truncated, 1u);
}

}  // namespace
}  // namespace sluice::relay
