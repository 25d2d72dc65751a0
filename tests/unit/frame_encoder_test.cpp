// write_frame_header / frame_header_size: the header bytes for each length form (RFC 6455
// §5.2), checked byte by byte and round-tripped through FrameParser.
#include "ws/frame_encoder.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "ws/frame_parser.hpp"
#include "ws/mask.hpp"

namespace sluice::detail {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Kind = FrameParser::Step::Kind;

constexpr std::array<std::uint8_t, 4> kMask = {0xA1, 0xB2, 0xC3, 0xD4};

Bytes header(Opcode op, bool fin, std::uint64_t length, const std::array<std::uint8_t, 4>* mask = nullptr) {
  std::uint8_t out[kMaxHeaderSize + 4];
  std::fill(std::begin(out), std::end(out), 0xEE);
  std::size_t n = write_frame_header(out, op, fin, length, mask);
  EXPECT_LE(n, kMaxHeaderSize);
  EXPECT_EQ(out[n], 0xEE) << "wrote past the returned size";
  EXPECT_EQ(n, frame_header_size(length, mask != nullptr));
  return Bytes(out, out + n);
}

TEST(FrameEncoder, HeaderForLength0) { EXPECT_EQ(header(Opcode::text, true, 0), (Bytes{0x81, 0x00})); }

TEST(FrameEncoder, HeaderForLength125) { EXPECT_EQ(header(Opcode::binary, true, 125), (Bytes{0x82, 0x7D})); }

TEST(FrameEncoder, HeaderForLength126Uses16Bits) {
  EXPECT_EQ(header(Opcode::binary, true, 126), (Bytes{0x82, 0x7E, 0x00, 0x7E}));
}

TEST(FrameEncoder, HeaderForLength65535Uses16Bits) {
  EXPECT_EQ(header(Opcode::binary, true, 65535), (Bytes{0x82, 0x7E, 0xFF, 0xFF}));
}

TEST(FrameEncoder, HeaderForLength65536Uses64Bits) {
  EXPECT_EQ(header(Opcode::binary, true, 65536), (Bytes{0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0, 0}));
}

TEST(FrameEncoder, HeaderForLargeLengthIsBigEndian) {
  EXPECT_EQ(header(Opcode::binary, true, 0x0102030405060708ull),
            (Bytes{0x82, 0x7F, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}));
}

TEST(FrameEncoder, FinAndOpcodeInFirstByte) {
  EXPECT_EQ(header(Opcode::text, false, 3)[0], 0x01);
  EXPECT_EQ(header(Opcode::continuation, false, 3)[0], 0x00);
  EXPECT_EQ(header(Opcode::continuation, true, 3)[0], 0x80);
  EXPECT_EQ(header(Opcode::close, true, 2)[0], 0x88);
  EXPECT_EQ(header(Opcode::ping, true, 0)[0], 0x89);
  EXPECT_EQ(header(Opcode::pong, true, 0)[0], 0x8A);
}

TEST(FrameEncoder, MaskedHeaderSetsMaskBitAndAppendsKey) {
  EXPECT_EQ(header(Opcode::text, true, 5, &kMask), (Bytes{0x81, 0x85, 0xA1, 0xB2, 0xC3, 0xD4}));
  EXPECT_EQ(header(Opcode::binary, true, 126, &kMask),
            (Bytes{0x82, 0xFE, 0x00, 0x7E, 0xA1, 0xB2, 0xC3, 0xD4}));
  EXPECT_EQ(header(Opcode::binary, true, 65536, &kMask),
            (Bytes{0x82, 0xFF, 0, 0, 0, 0, 0, 0x01, 0, 0, 0xA1, 0xB2, 0xC3, 0xD4}));
}

TEST(FrameEncoder, HeaderSizeForEachForm) {
  EXPECT_EQ(frame_header_size(0, false), 2u);
  EXPECT_EQ(frame_header_size(125, false), 2u);
  EXPECT_EQ(frame_header_size(126, false), 4u);
  EXPECT_EQ(frame_header_size(65535, false), 4u);
  EXPECT_EQ(frame_header_size(65536, false), 10u);
  EXPECT_EQ(frame_header_size(0, true), 6u);
  EXPECT_EQ(frame_header_size(65536, true), 14u);
  static_assert(frame_header_size(1, false) == 2);
}

TEST(FrameEncoder, MatchesRfc6455MaskedHelloExample) {
  // RFC 6455 §5.7: 0x81 0x85 0x37 0xfa 0x21 0x3d 0x7f 0x9f 0x4d 0x51 0x58.
  const std::array<std::uint8_t, 4> mask = {0x37, 0xfa, 0x21, 0x3d};
  Bytes frame = header(Opcode::text, true, 5, &mask);
  Bytes payload = {'H', 'e', 'l', 'l', 'o'};
  apply_mask(payload.data(), payload.size(), mask, 0);
  frame.insert(frame.end(), payload.begin(), payload.end());
  EXPECT_EQ(frame, (Bytes{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
}

struct Decoded {
  FrameHeader header;
  Bytes payload;
  bool ended = false;
  ProtocolError error = ProtocolError::none;
};

Decoded decode(Role role, Bytes wire) {
  FrameParser parser(role);
  Decoded out;
  std::span<std::uint8_t> in(wire);
  FrameParser::Step s = parser.next(in);
  if (s.kind == Kind::error) {
    out.error = s.error;
    return out;
  }
  EXPECT_EQ(s.kind, Kind::header);
  out.header = parser.header();
  while (!out.ended) {
    s = parser.next(in);
    if (s.kind != Kind::payload) break;
    out.payload.insert(out.payload.end(), s.payload.begin(), s.payload.end());
    out.ended = s.frame_end;
  }
  EXPECT_TRUE(in.empty());
  return out;
}

Bytes pattern(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i ^ (i >> 8));
  return out;
}

TEST(FrameEncoder, UnmaskedFramesRoundTripThroughClientParser) {
  for (std::size_t n : {0u, 1u, 125u, 126u, 127u, 65535u, 65536u, 70000u}) {
    SCOPED_TRACE(::testing::Message() << "length " << n);
    const Bytes payload = pattern(n);
    Bytes wire = header(Opcode::binary, true, n);
    wire.insert(wire.end(), payload.begin(), payload.end());
    Decoded d = decode(Role::client, wire);
    EXPECT_EQ(d.error, ProtocolError::none);
    EXPECT_TRUE(d.header.fin);
    EXPECT_FALSE(d.header.masked);
    EXPECT_EQ(d.header.opcode, Opcode::binary);
    EXPECT_EQ(d.header.payload_length, n);
    EXPECT_TRUE(d.ended);
    EXPECT_TRUE(d.payload == payload);
  }
}

TEST(FrameEncoder, MaskedFramesRoundTripThroughServerParser) {
  for (std::size_t n : {0u, 1u, 5u, 125u, 126u, 65535u, 65536u}) {
    SCOPED_TRACE(::testing::Message() << "length " << n);
    const Bytes payload = pattern(n);
    Bytes wire = header(Opcode::text, false, n, &kMask);
    Bytes masked = payload;
    apply_mask(masked.data(), masked.size(), kMask, 0);
    wire.insert(wire.end(), masked.begin(), masked.end());
    Decoded d = decode(Role::server, wire);
    EXPECT_EQ(d.error, ProtocolError::none);
    EXPECT_FALSE(d.header.fin);
    EXPECT_TRUE(d.header.masked);
    EXPECT_EQ(d.header.mask, kMask);
    EXPECT_EQ(d.header.opcode, Opcode::text);
    EXPECT_EQ(d.header.payload_length, n);
    EXPECT_TRUE(d.payload == payload);
  }
}

TEST(FrameEncoder, UnmaskedFrameIsRejectedByServerParser) {
  Decoded d = decode(Role::server, header(Opcode::text, true, 0));
  EXPECT_EQ(d.error, ProtocolError::unmasked_client_frame);
}

TEST(FrameEncoder, ControlFramesRoundTrip) {
  for (Opcode op : {Opcode::close, Opcode::ping, Opcode::pong}) {
    Bytes wire = header(op, true, 125);
    const Bytes payload = pattern(125);
    wire.insert(wire.end(), payload.begin(), payload.end());
    Decoded d = decode(Role::client, wire);
    EXPECT_EQ(d.error, ProtocolError::none);
    EXPECT_EQ(d.header.opcode, op);
    EXPECT_EQ(d.payload, payload);
  }
}

}  // namespace
}  // namespace sluice::detail
