// Line framing: LF, CR stripping, empty lines, oversized lines and the unterminated last line,
// each case run whole, in every chunk size and at every split point.
#include "sources/framing/line_decoder.hpp"

#include "framing_harness.hpp"

namespace sluice::relay {
namespace {

using test::decode_every_way;
using test::factory;
using Frames = std::vector<std::string>;

TEST(LineDecoder, SplitsOnLf) {
  const auto d = decode_every_way(factory(Framing::line, 64), "a\nbc\ndef\n");
  EXPECT_EQ(d.frames, (Frames{"a", "bc", "def"}));
  EXPECT_EQ(d.counters.frames, 3u);
  EXPECT_EQ(d.counters.dropped(), 0u);
}

TEST(LineDecoder, StripsOneCrBeforeTheLf) {
  const auto d = decode_every_way(factory(Framing::line, 64), "a\r\nb\r\r\n");
  EXPECT_EQ(d.frames, (Frames{"a", "b\r"}));
}

TEST(LineDecoder, CrAloneDoesNotEndALine) {
  EXPECT_EQ(decode_every_way(factory(Framing::line, 64), "a\rb\n").frames, (Frames{"a\rb"}));
}

TEST(LineDecoder, SkipsEmptyLines) {
  const auto d = decode_every_way(factory(Framing::line, 64), "\n\r\n\na\n\n");
  EXPECT_EQ(d.frames, (Frames{"a"}));
  EXPECT_EQ(d.counters.skipped_empty, 4u);
}

TEST(LineDecoder, CarriesAnyBytesButLf) {
  const std::string line("\x00\xFF\xC0 \t", 5);
  EXPECT_EQ(decode_every_way(factory(Framing::line, 64), line + "\n").frames, (Frames{line}));
}

TEST(LineDecoder, LineOfExactlyMaxFrameIsDelivered) {
  EXPECT_EQ(decode_every_way(factory(Framing::line, 4), "abcd\n", true, 4).frames, (Frames{"abcd"}));
  EXPECT_EQ(decode_every_way(factory(Framing::line, 4), "abcd\r\n", true, 4).frames, (Frames{"abcd"}));
}

TEST(LineDecoder, LongerLineIsDroppedAsOversizedAndDecodingResumes) {
  const auto d = decode_every_way(factory(Framing::line, 4), "abcde\nok\n", true, 4);
  EXPECT_EQ(d.frames, (Frames{"ok"}));
  EXPECT_EQ(d.counters.oversized, 1u);
  EXPECT_EQ(d.drops, (std::vector<DropReason>{DropReason::oversized}));
}

TEST(LineDecoder, OneByteOverWithACrIsStillOversized) {
  const auto d = decode_every_way(factory(Framing::line, 4), "abcde\r\nok\n", true, 4);
  EXPECT_EQ(d.frames, (Frames{"ok"}));
  EXPECT_EQ(d.counters.oversized, 1u);
}

TEST(LineDecoder, VeryLongLineIsCountedOnceAndNotBuffered) {
  const std::string input = "x\n" + std::string(300, 'a') + "\ny\n" + std::string(50, 'b') + "\n";
  const auto d = decode_every_way(factory(Framing::line, 8), input, true, 8);
  EXPECT_EQ(d.frames, (Frames{"x", "y"}));
  EXPECT_EQ(d.counters.oversized, 2u);
}

TEST(LineDecoder, FinishDeliversAnUnterminatedLastLine) {
  EXPECT_EQ(decode_every_way(factory(Framing::line, 64), "a\nlast", true).frames, (Frames{"a", "last"}));
  EXPECT_EQ(decode_every_way(factory(Framing::line, 64), "a\nlast\r", true).frames, (Frames{"a", "last"}));
  EXPECT_EQ(decode_every_way(factory(Framing::line, 64), "a\nlast", false).frames, (Frames{"a"}));
}

TEST(LineDecoder, FinishAfterAnOversizedTailDeliversNothing) {
  const auto d = decode_every_way(factory(Framing::line, 4), "abcdefgh", true, 4);
  EXPECT_TRUE(d.frames.empty());
  EXPECT_EQ(d.counters.oversized, 1u);
  EXPECT_EQ(d.counters.truncated, 0u);
}

TEST(LineDecoder, FinishStartsAFreshStream) {
  LineDecoder decoder(64);
  test::RecordingSink sink;
  decoder.feed(test::bytes_of("par"), sink);
  decoder.finish(sink);
  decoder.feed(test::bytes_of("x\n"), sink);
  EXPECT_EQ(sink.decoded.frames, (Frames{"par", "x"}));
}

TEST(LineDecoder, HoldsNothingUntilALineStraddlesTwoFeeds) {
  LineDecoder decoder(1000);
  test::RecordingSink sink;
  decoder.feed(test::bytes_of("whole\nlines\n"), sink);
  EXPECT_EQ(decoder.bytes_held(), 0u);
  decoder.feed(test::bytes_of("part"), sink);
  EXPECT_EQ(decoder.bytes_held(), 1001u);
}

}  // namespace
}  // namespace sluice::relay
