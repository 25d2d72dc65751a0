// Encoder to decoder round trips with random payloads, for every stream framing, at every
// split point; and one long stream of many frames in random-sized reads.
#include <gtest/gtest.h>

#include <random>

#include "framing_harness.hpp"
#include "sources/framing/frame_encoder.hpp"

namespace sluice::relay {
namespace {

using test::bytes_of;

const Framing stream_framings[] = {Framing::line, Framing::len16, Framing::len32, Framing::slip,
                                   Framing::cobs};

// Random non-empty payloads the framing can carry; biased towards the bytes that matter
// (delimiters and escapes) so that stuffing is exercised.
std::vector<std::string> random_payloads(Framing framing, std::mt19937& rng, int count, std::size_t max_len) {
  const char special[] = {'\0', '\n', '\r', '\xC0', '\xDB', '\xDC', '\xDD', '\xFF'};
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    std::string p(rng() % max_len + 1, '\0');
    for (auto& c : p) c = rng() % 4 == 0 ? special[rng() % sizeof special] : static_cast<char>(rng());
    if (framing == Framing::line) {
      std::replace(p.begin(), p.end(), '\n', 'n');
      if (p.back() == '\r') p.back() = 'r';  // a final CR is removed by the decoder, by design
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string encode_all(Framing framing, const std::vector<std::string>& payloads) {
  std::vector<std::uint8_t> out;
  for (const auto& p : payloads) EXPECT_EQ(encode_frame(framing, bytes_of(p), out), EncodeStatus::ok);
  return {out.begin(), out.end()};
}

TEST(FramingRoundTrip, RandomPayloadsAtEverySplitPoint) {
  std::mt19937 rng(2024);
  for (Framing f : stream_framings) {
    SCOPED_TRACE(std::string(to_string(f)));
    const auto payloads = random_payloads(f, rng, 6, 40);
    const auto d = test::decode_every_way(test::factory(f, 64), encode_all(f, payloads), true, 64);
    EXPECT_EQ(d.frames, payloads);
    EXPECT_EQ(d.counters.dropped(), 0u);
  }
}

TEST(FramingRoundTrip, LongPayloadsAcrossBlockBoundaries) {
  std::mt19937 rng(99);
  for (Framing f : stream_framings) {
    SCOPED_TRACE(std::string(to_string(f)));
    auto payloads = random_payloads(f, rng, 3, 700);
    payloads.push_back(std::string(600, '\x01'));
    const std::string input = encode_all(f, payloads);
    for (std::size_t chunk : {1u, 2u, 3u, 253u, 254u, 255u, 256u, 4096u}) {
      std::vector<std::string_view> pieces;
      for (std::size_t at = 0; at < input.size(); at += chunk)
        pieces.push_back(std::string_view(input).substr(at, chunk));
      EXPECT_EQ(test::decode_pieces(test::factory(f, 1024), pieces, true, 1025).frames, payloads) << chunk;
    }
  }
}

TEST(FramingRoundTrip, ManyFramesInRandomReads) {
  std::mt19937 rng(5);
  for (Framing f : stream_framings) {
    SCOPED_TRACE(std::string(to_string(f)));
    const auto payloads = random_payloads(f, rng, 2000, 300);
    const std::string input = encode_all(f, payloads);
    std::vector<std::string_view> pieces;
    for (std::size_t at = 0; at < input.size();) {
      const std::size_t n = rng() % 700 + 1;
      pieces.push_back(std::string_view(input).substr(at, n));
      at += n;
    }
    EXPECT_EQ(test::decode_pieces(test::factory(f, 300), pieces, true, 301).frames, payloads);
  }
}

}  // namespace
}  // namespace sluice::relay
