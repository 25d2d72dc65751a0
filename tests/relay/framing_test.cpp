// What all decoders share: framing and drop-reason names, the factory, and no allocation per
// message once a stream is running.
#include "sources/framing/framing.hpp"

#include <gtest/gtest.h>

#include "alloc_counter.hpp"
#include "framing_harness.hpp"
#include "sources/framing/frame_encoder.hpp"

namespace sluice::relay {
namespace {

const Framing all_framings[] = {Framing::line, Framing::len16, Framing::len32,   Framing::slip,
                                Framing::cobs, Framing::raw,   Framing::datagram};

TEST(Framing, NamesRoundTrip) {
  for (Framing f : all_framings) EXPECT_EQ(parse_framing(to_string(f)), f);
  EXPECT_EQ(parse_framing("lines"), std::nullopt);
  EXPECT_EQ(parse_framing(""), std::nullopt);
  EXPECT_EQ(to_string(DropReason::oversized), "oversized");
  EXPECT_EQ(to_string(DropReason::malformed), "malformed");
  EXPECT_EQ(to_string(DropReason::truncated), "truncated");
}

TEST(Framing, FactoryMakesADecoderForEveryFraming) {
  for (Framing f : all_framings) EXPECT_NE(make_decoder(f, FramingLimits{}), nullptr) << to_string(f);
}

TEST(Framing, CountersAddUpByReason) {
  DecoderCounters c;
  c.oversized = 2;
  c.malformed = 3;
  c.truncated = 4;
  EXPECT_EQ(c.dropped(DropReason::malformed), 3u);
  EXPECT_EQ(c.dropped(), 9u);
}

class CountingSink final : public FrameSink {
 public:
  void on_frame(std::span<const std::uint8_t> frame) override { bytes += frame.size(); }
  std::size_t bytes = 0;
};

TEST(Framing, SteadyStateDecodingAllocatesNothing) {
  for (Framing f : {Framing::line, Framing::len16, Framing::len32, Framing::slip, Framing::cobs}) {
    SCOPED_TRACE(std::string(to_string(f)));
    std::vector<std::uint8_t> stream;
    for (int i = 0; i < 50; ++i) {
      const std::string payload =
          "message " + std::to_string(i) + std::string(static_cast<std::size_t>(i), '\xC0');
      encode_frame(f, test::bytes_of(payload), stream);
    }
    auto decoder = make_decoder(f, FramingLimits{});
    CountingSink sink;
    const auto feed_all = [&] {
      for (std::size_t at = 0; at < stream.size(); at += 7) {
        decoder->feed(std::span(stream).subspan(at, std::min<std::size_t>(7, stream.size() - at)), sink);
      }
    };
    feed_all();  // the first straddling frame allocates the pending buffer
    const std::size_t before = test::allocations();
    for (int round = 0; round < 20; ++round) feed_all();
    EXPECT_EQ(test::allocations(), before);
    EXPECT_EQ(decoder->counters().frames, 21u * 50u);
  }
}

}  // namespace
}  // namespace sluice::relay
