// Frame encoders: the exact bytes for each framing, the refusals (too long, LF in a line), and
// the size bound.
#include "sources/framing/frame_encoder.hpp"

#include <gtest/gtest.h>

#include <random>

#include "framing_harness.hpp"

namespace sluice::relay {
namespace {

using test::bytes_of;
using namespace std::string_literals;

std::string encoded(Framing framing, std::string_view payload) {
  std::vector<std::uint8_t> out;
  EXPECT_EQ(encode_frame(framing, bytes_of(payload), out), EncodeStatus::ok);
  return {out.begin(), out.end()};
}

TEST(FrameEncoder, LineAppendsLf) {
  EXPECT_EQ(encoded(Framing::line, "hello"), "hello\n");
  EXPECT_EQ(encoded(Framing::line, ""), "\n");
}

TEST(FrameEncoder, LineRefusesAPayloadWithLfAndAppendsNothing) {
  std::vector<std::uint8_t> out = {'x'};
  EXPECT_EQ(encode_frame(Framing::line, bytes_of("a\nb"), out), EncodeStatus::contains_lf);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_FALSE(describe(EncodeStatus::contains_lf).empty());
}

TEST(FrameEncoder, LengthPrefixesAreBigEndian) {
  EXPECT_EQ(encoded(Framing::len16, "abc"),
            "\x00\x03"
            "abc"s);
  EXPECT_EQ(encoded(Framing::len32, "abc"),
            "\x00\x00\x00\x03"
            "abc"s);
  const std::string payload(0x1234, 'p');
  EXPECT_EQ(encoded(Framing::len16, payload).substr(0, 2), "\x12\x34"s);
}

TEST(FrameEncoder, Len16RefusesMoreThan65535Bytes) {
  std::vector<std::uint8_t> out;
  const std::string max(65535, 'a');
  EXPECT_EQ(encode_frame(Framing::len16, bytes_of(max), out), EncodeStatus::ok);
  out.clear();
  const std::string over(65536, 'a');
  EXPECT_EQ(encode_frame(Framing::len16, bytes_of(over), out), EncodeStatus::too_long);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(encode_frame(Framing::len32, bytes_of(over), out), EncodeStatus::ok);
}

TEST(FrameEncoder, SlipWrapsInEndsAndEscapes) {
  EXPECT_EQ(encoded(Framing::slip,
                    "a\xC0"
                    "b\xDB"s),
            "\xC0"
            "a\xDB\xDC"
            "b\xDB\xDD\xC0"s);
  EXPECT_EQ(encoded(Framing::slip, ""), "\xC0\xC0"s);
}

TEST(FrameEncoder, CobsStuffsZerosAndAppendsTheDelimiter) {
  EXPECT_EQ(encoded(Framing::cobs, "\x11\x22\x00\x33"s), "\x03\x11\x22\x02\x33\x00"s);
  EXPECT_EQ(encoded(Framing::cobs, "\x00"s), "\x01\x01\x00"s);
  EXPECT_EQ(encoded(Framing::cobs, ""), "\x01\x00"s);
  std::string run254;
  for (int i = 1; i <= 254; ++i) run254 += static_cast<char>(i);
  EXPECT_EQ(encoded(Framing::cobs, run254), "\xFF"s + run254 + "\x00"s);
  EXPECT_EQ(encoded(Framing::cobs, run254 + "\xFF"s), "\xFF"s + run254 + "\x02\xFF\x00"s);
}

TEST(FrameEncoder, RawAndDatagramAreThePayloadAsIs) {
  EXPECT_EQ(encoded(Framing::raw, "a\nb\x00"s), "a\nb\x00"s);
  EXPECT_EQ(encoded(Framing::datagram, "xyz"), "xyz");
}

TEST(FrameEncoder, AppendsAfterWhatIsThere) {
  std::vector<std::uint8_t> out;
  encode_frame(Framing::line, bytes_of("a"), out);
  encode_frame(Framing::line, bytes_of("b"), out);
  EXPECT_EQ(std::string(out.begin(), out.end()), "a\nb\n");
}

TEST(FrameEncoder, MaxEncodedSizeBoundsEveryEncoding) {
  std::mt19937 rng(11);
  for (Framing f : {Framing::line, Framing::len16, Framing::len32, Framing::slip, Framing::cobs, Framing::raw,
                    Framing::datagram}) {
    for (std::size_t n : {0u, 1u, 253u, 254u, 255u, 508u, 1000u}) {
      for (int pass = 0; pass < 3; ++pass) {
        std::string payload(n, '\0');
        for (auto& c : payload) {
          const int kind = static_cast<int>(rng() % 3);
          c = kind == 0 ? '\0' : kind == 1 ? '\xC0' : static_cast<char>(rng() % 255 + 1);
          if (f == Framing::line && c == '\n') c = 'x';
        }
        if (pass == 2) std::fill(payload.begin(), payload.end(), '\x01');
        std::vector<std::uint8_t> out;
        ASSERT_EQ(encode_frame(f, bytes_of(payload), out), EncodeStatus::ok);
        EXPECT_LE(out.size(), max_encoded_size(f, n)) << to_string(f) << " " << n;
      }
    }
  }
}

}  // namespace
}  // namespace sluice::relay
