// raw and datagram framing: reads and datagrams become messages as they come, cut (raw) or
// checked (datagram) against their limit.
#include "sources/framing/datagram_decoder.hpp"
#include "sources/framing/raw_decoder.hpp"

#include "framing_harness.hpp"

namespace sluice::relay {
namespace {

using test::bytes_of;
using Frames = std::vector<std::string>;

TEST(RawDecoder, DeliversEachReadAsItCame) {
  RawDecoder decoder(64);
  test::RecordingSink sink;
  decoder.feed(bytes_of("abc"), sink);
  decoder.feed(bytes_of(""), sink);
  decoder.feed(bytes_of("de\n"), sink);
  decoder.finish(sink);
  EXPECT_EQ(sink.decoded.frames, (Frames{"abc", "de\n"}));
  EXPECT_EQ(decoder.bytes_held(), 0u);
}

TEST(RawDecoder, CutsLongReadsAtMaxChunk) {
  RawDecoder decoder(4);
  test::RecordingSink sink;
  decoder.feed(bytes_of("0123456789"), sink);
  EXPECT_EQ(sink.decoded.frames, (Frames{"0123", "4567", "89"}));
  EXPECT_EQ(decoder.counters().frames, 3u);
  EXPECT_EQ(decoder.counters().dropped(), 0u);
}

TEST(RawDecoder, FactoryUsesMaxChunk) {
  auto decoder = make_decoder(Framing::raw, FramingLimits{1, 2});
  test::RecordingSink sink;
  decoder->feed(bytes_of("abc"), sink);
  EXPECT_EQ(sink.decoded.frames, (Frames{"ab", "c"}));
}

TEST(DatagramDecoder, OneDatagramIsOneMessage) {
  DatagramDecoder decoder(8);
  test::RecordingSink sink;
  decoder.feed(bytes_of("one\ntwo"), sink);
  decoder.feed(bytes_of("12345678"), sink);
  EXPECT_EQ(sink.decoded.frames, (Frames{"one\ntwo", "12345678"}));
}

TEST(DatagramDecoder, OversizedDatagramIsDropped) {
  DatagramDecoder decoder(8);
  test::RecordingSink sink;
  decoder.feed(bytes_of("123456789"), sink);
  decoder.feed(bytes_of("ok"), sink);
  EXPECT_EQ(sink.decoded.frames, (Frames{"ok"}));
  EXPECT_EQ(decoder.counters().oversized, 1u);
  EXPECT_EQ(sink.decoded.drops, (std::vector<DropReason>{DropReason::oversized}));
}

TEST(DatagramDecoder, EmptyDatagramIsSkipped) {
  DatagramDecoder decoder(8);
  test::RecordingSink sink;
  decoder.feed(bytes_of(""), sink);
  EXPECT_TRUE(sink.decoded.frames.empty());
  EXPECT_EQ(decoder.counters().skipped_empty, 1u);
}

}  // namespace
}  // namespace sluice::relay
