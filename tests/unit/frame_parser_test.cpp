// FrameParser: RFC 6455 §5.7's examples and every §5.2 header rule, each input parsed whole,
// at every two-chunk split point and one byte at a time, with identical frames each way.
#include "ws/frame_parser.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sluice::detail {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Kind = FrameParser::Step::Kind;

struct ParsedFrame {
  FrameHeader header;
  Bytes payload;
  int payload_steps = 0;
  bool ended = false;
};

struct ParseOutput {
  std::vector<ParsedFrame> frames;
  ProtocolError error = ProtocolError::none;
};

Bytes from_string(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A frame built by hand (not by the encoder under test elsewhere): b0 is FIN|RSV|opcode.
Bytes build_frame(std::uint8_t b0, const Bytes& payload, const std::uint8_t* mask = nullptr) {
  Bytes out{b0};
  const std::uint8_t mask_bit = mask ? 0x80 : 0;
  const std::uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<std::uint8_t>(mask_bit | n));
  } else if (n <= 0xFFFF) {
    out.push_back(mask_bit | 126);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    out.push_back(mask_bit | 127);
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  }
  if (mask) out.insert(out.end(), mask, mask + 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(mask ? static_cast<std::uint8_t>(payload[i] ^ mask[i % 4]) : payload[i]);
  return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes pattern(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i * 7 + (i >> 8));
  return out;
}

// Feeds `input` (a private copy: unmasking is in place) cut at `cuts`, collecting every step
// until the input is exhausted or an error; with `whole_frames`, through next_frame().
ParseOutput parse(Role role, Bytes input, const std::vector<std::size_t>& cuts = {},
                  bool whole_frames = false) {
  FrameParser parser(role);
  ParseOutput out;
  std::vector<std::size_t> bounds = cuts;
  bounds.push_back(input.size());
  std::size_t start = 0;
  for (std::size_t end : bounds) {
    std::span<std::uint8_t> in(input.data() + start, end - start);
    start = end;
    for (;;) {
      FrameParser::Step s = whole_frames ? parser.next_frame(in) : parser.next(in);
      if (s.kind == Kind::need_more) {
        EXPECT_TRUE(in.empty()) << "need_more with input left";
        break;
      }
      if (s.kind == Kind::error) {
        out.error = s.error;
        return out;
      }
      if (s.kind == Kind::header) {
        out.frames.push_back({parser.header(), {}, 0, false});
        continue;
      }
      if (s.kind == Kind::frame) {
        EXPECT_TRUE(whole_frames) << "next() yields frames in steps";
        EXPECT_TRUE(s.frame_end);
        out.frames.push_back({parser.header(), Bytes(s.payload.begin(), s.payload.end()), 1, true});
        continue;
      }
      EXPECT_FALSE(out.frames.empty());
      if (out.frames.empty()) return out;
      ParsedFrame& f = out.frames.back();
      EXPECT_FALSE(f.ended) << "payload after the frame ended";
      f.payload.insert(f.payload.end(), s.payload.begin(), s.payload.end());
      ++f.payload_steps;
      f.ended = s.frame_end;
    }
  }
  return out;
}

void expect_same_header(const FrameHeader& a, const FrameHeader& b) {
  EXPECT_EQ(a.fin, b.fin);
  EXPECT_EQ(a.rsv, b.rsv);
  EXPECT_EQ(a.opcode, b.opcode);
  EXPECT_EQ(a.masked, b.masked);
  EXPECT_EQ(a.payload_length, b.payload_length);
  EXPECT_EQ(a.mask, b.mask);
}

void expect_same(const ParseOutput& got, const ParseOutput& want) {
  EXPECT_EQ(got.error, want.error);
  ASSERT_EQ(got.frames.size(), want.frames.size());
  for (std::size_t i = 0; i < got.frames.size(); ++i) {
    SCOPED_TRACE(::testing::Message() << "frame " << i);
    expect_same_header(got.frames[i].header, want.frames[i].header);
    EXPECT_EQ(got.frames[i].ended, want.frames[i].ended);
    EXPECT_TRUE(got.frames[i].payload == want.frames[i].payload) << "payload differs";
  }
}

// Parses `input` whole, then at every split point and one byte at a time, step by step and
// a whole frame at a time, expecting the same result each way; returns the whole-input result.
ParseOutput parse_every_way(Role role, const Bytes& input) {
  ParseOutput whole = parse(role, input);
  for (bool whole_frames : {false, true}) {
    SCOPED_TRACE(whole_frames ? "next_frame" : "next");
    expect_same(parse(role, input, {}, whole_frames), whole);
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
      SCOPED_TRACE(::testing::Message() << "split at " << cut);
      expect_same(parse(role, input, {cut}, whole_frames), whole);
      if (::testing::Test::HasFailure()) return whole;
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i) every.push_back(i);
    SCOPED_TRACE("one byte at a time");
    expect_same(parse(role, input, every, whole_frames), whole);
  }
  return whole;
}

void expect_error_every_way(Role role, const Bytes& input, ProtocolError e) {
  ParseOutput out = parse_every_way(role, input);
  EXPECT_EQ(out.error, e);
  EXPECT_TRUE(out.frames.empty());
}

constexpr std::uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};

const Bytes kUnmaskedHello = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
const Bytes kMaskedHello = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
const Bytes kFragmentedHello = {0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f};
const Bytes kUnmaskedPing = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
const Bytes kMaskedPong = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};

TEST(FrameParser, RejectsUnmaskedClientFrame) {
  // RFC 6455 §5.7, single-frame unmasked text: valid from a server, not from a client (§5.1).
  expect_error_every_way(Role::server, kUnmaskedHello, ProtocolError::unmasked_client_frame);
}

TEST(FrameParser, ClientAcceptsUnmaskedHello) {
  ParseOutput out = parse_every_way(Role::client, kUnmaskedHello);
  EXPECT_EQ(out.error, ProtocolError::none);
  ASSERT_EQ(out.frames.size(), 1u);
  const FrameHeader& h = out.frames[0].header;
  EXPECT_TRUE(h.fin);
  EXPECT_EQ(h.rsv, 0);
  EXPECT_EQ(h.opcode, Opcode::text);
  EXPECT_FALSE(h.masked);
  EXPECT_EQ(h.payload_length, 5u);
  EXPECT_EQ(out.frames[0].payload, from_string("Hello"));
  EXPECT_TRUE(out.frames[0].ended);
}

TEST(FrameParser, ServerUnmasksMaskedHello) {
  // RFC 6455 §5.7, single-frame masked text.
  ParseOutput out = parse_every_way(Role::server, kMaskedHello);
  EXPECT_EQ(out.error, ProtocolError::none);
  ASSERT_EQ(out.frames.size(), 1u);
  const FrameHeader& h = out.frames[0].header;
  EXPECT_TRUE(h.masked);
  EXPECT_EQ(h.opcode, Opcode::text);
  EXPECT_EQ(h.mask, (std::array<std::uint8_t, 4>{0x37, 0xfa, 0x21, 0x3d}));
  EXPECT_EQ(out.frames[0].payload, from_string("Hello"));
  EXPECT_TRUE(out.frames[0].ended);
}

TEST(FrameParser, ParsesFragmentedUnmaskedText) {
  // RFC 6455 §5.7: "Hel" (FIN clear, text) then "lo" (FIN set, continuation).
  ParseOutput out = parse_every_way(Role::client, kFragmentedHello);
  EXPECT_EQ(out.error, ProtocolError::none);
  ASSERT_EQ(out.frames.size(), 2u);
  EXPECT_FALSE(out.frames[0].header.fin);
  EXPECT_EQ(out.frames[0].header.opcode, Opcode::text);
  EXPECT_EQ(out.frames[0].payload, from_string("Hel"));
  EXPECT_TRUE(out.frames[1].header.fin);
  EXPECT_EQ(out.frames[1].header.opcode, Opcode::continuation);
  EXPECT_EQ(out.frames[1].payload, from_string("lo"));
}

TEST(FrameParser, ParsesUnmaskedPing) {
  ParseOutput out = parse_every_way(Role::client, kUnmaskedPing);
  EXPECT_EQ(out.error, ProtocolError::none);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].header.opcode, Opcode::ping);
  EXPECT_TRUE(out.frames[0].header.is_control());
  EXPECT_EQ(out.frames[0].payload, from_string("Hello"));
}

TEST(FrameParser, ParsesMaskedPong) {
  ParseOutput out = parse_every_way(Role::server, kMaskedPong);
  EXPECT_EQ(out.error, ProtocolError::none);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].header.opcode, Opcode::pong);
  EXPECT_EQ(out.frames[0].payload, from_string("Hello"));
}

TEST(FrameParser, Parses256ByteBinaryWith16BitLength) {
  // RFC 6455 §5.7: 0x82 0x7E 0x0100 [256 bytes].
  const Bytes payload = pattern(256);
  Bytes input = {0x82, 0x7E, 0x01, 0x00};
  input.insert(input.end(), payload.begin(), payload.end());
  ParseOutput out = parse_every_way(Role::client, input);
  EXPECT_EQ(out.error, ProtocolError::none);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].header.opcode, Opcode::binary);
  EXPECT_EQ(out.frames[0].header.payload_length, 256u);
  EXPECT_EQ(out.frames[0].payload, payload);
}

TEST(FrameParser, Parses64KiBBinaryWith64BitLength) {
  // RFC 6455 §5.7: 0x82 0x7F 0x0000000000010000 [65536 bytes].
  const Bytes payload = pattern(65536);
  Bytes input = {0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
  input.insert(input.end(), payload.begin(), payload.end());
  ParseOutput out = parse_every_way(Role::client, input);
  EXPECT_EQ(out.error, ProtocolError::none);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].header.payload_length, 65536u);
  EXPECT_TRUE(out.frames[0].payload == payload);
}

TEST(FrameParser, UnmasksMaskedFramesWith16BitLengthAtEverySplit) {
  for (std::size_t n : {126u, 256u, 1000u}) {
    SCOPED_TRACE(::testing::Message() << "payload " << n);
    const Bytes payload = pattern(n);
    ParseOutput out = parse_every_way(Role::server, build_frame(0x82, payload, kMask));
    EXPECT_EQ(out.error, ProtocolError::none);
    ASSERT_EQ(out.frames.size(), 1u);
    EXPECT_EQ(out.frames[0].header.payload_length, n);
    EXPECT_TRUE(out.frames[0].payload == payload);
  }
}

TEST(FrameParser, UnmasksLargeMaskedFramesAcrossSplits) {
  // Every split in and around the header and the payload's ends, and a stride through the
  // middle at offsets of every residue mod 4 (the mask phase); one byte at a time as well.
  for (std::size_t n : {65535u, 65536u}) {
    SCOPED_TRACE(::testing::Message() << "payload " << n);
    const Bytes payload = pattern(n);
    const Bytes input = build_frame(0x82, payload, kMask);
    std::vector<std::size_t> cuts;
    for (std::size_t c = 0; c <= input.size(); ++c)
      if (c < 40 || c + 40 > input.size() || c % 251 == 0) cuts.push_back(c);
    for (std::size_t cut : cuts) {
      ParseOutput out = parse(Role::server, input, {cut});
      ASSERT_EQ(out.frames.size(), 1u) << "split at " << cut;
      ASSERT_TRUE(out.frames[0].payload == payload) << "split at " << cut;
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i) every.push_back(i);
    ParseOutput out = parse(Role::server, input, every);
    ASSERT_EQ(out.frames.size(), 1u);
    EXPECT_TRUE(out.frames[0].payload == payload);
  }
}

TEST(FrameParser, NextFrameYieldsWholeFramesOfEveryLengthInOneStep) {
  for (std::size_t n : {0u, 1u, 20u, 125u, 126u, 1000u, 65535u, 65536u}) {
    SCOPED_TRACE(::testing::Message() << "payload " << n);
    const Bytes payload = pattern(n);
    Bytes input = concat({build_frame(0x82, payload, kMask), build_frame(0x81, from_string("tail"), kMask)});
    FrameParser parser(Role::server);
    std::span<std::uint8_t> in(input);
    for (const Bytes& want : {payload, from_string("tail")}) {
      FrameParser::Step s = parser.next_frame(in);
      ASSERT_EQ(s.kind, Kind::frame);
      EXPECT_TRUE(s.frame_end);
      EXPECT_EQ(parser.header().payload_length, want.size());
      EXPECT_TRUE(Bytes(s.payload.begin(), s.payload.end()) == want);
    }
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(parser.next_frame(in).kind, Kind::need_more);
  }
}

TEST(FrameParser, ParsesManyFramesInOneChunk) {
  const Bytes input = concat({kFragmentedHello, kUnmaskedPing, kUnmaskedHello, build_frame(0x82, {}),
                              build_frame(0x82, pattern(300))});
  ParseOutput out = parse_every_way(Role::client, input);
  EXPECT_EQ(out.error, ProtocolError::none);
  ASSERT_EQ(out.frames.size(), 6u);
  EXPECT_EQ(out.frames[2].payload, from_string("Hello"));
  EXPECT_TRUE(out.frames[4].payload.empty());
  EXPECT_TRUE(out.frames[4].ended);
  EXPECT_EQ(out.frames[5].payload, pattern(300));
}

TEST(FrameParser, UnmasksPayloadSplitAcrossManyChunks) {
  // The mask phase must follow the payload offset, not restart at each chunk (§5.3).
  const Bytes payload = from_string("The quick brown fox jumps over the lazy dog");
  const Bytes input = build_frame(0x81, payload, kMask);
  const std::size_t header = 6;
  for (std::size_t a = header; a < input.size(); ++a) {
    for (std::size_t b = a; b < input.size(); ++b) {
      ParseOutput out = parse(Role::server, input, {a, b});
      ASSERT_EQ(out.frames.size(), 1u);
      ASSERT_EQ(out.frames[0].payload, payload) << "cuts at " << a << " and " << b;
    }
  }
}

TEST(FrameParser, ZeroLengthFrameYieldsOneEmptyFinalPayloadStep) {
  for (const Bytes& input : {Bytes{0x81, 0x00}, Bytes{0x82, 0x00}, Bytes{0x89, 0x00}, Bytes{0x88, 0x00}}) {
    SCOPED_TRACE(::testing::Message() << "opcode byte " << int{input[0]});
    ParseOutput out = parse_every_way(Role::client, input);
    EXPECT_EQ(out.error, ProtocolError::none);
    ASSERT_EQ(out.frames.size(), 1u);
    EXPECT_EQ(out.frames[0].payload_steps, 1);
    EXPECT_TRUE(out.frames[0].payload.empty());
    EXPECT_TRUE(out.frames[0].ended);
  }
  const std::uint8_t mask[4] = {1, 2, 3, 4};
  ParseOutput masked = parse_every_way(Role::server, build_frame(0x81, {}, mask));
  ASSERT_EQ(masked.frames.size(), 1u);
  EXPECT_EQ(masked.frames[0].payload_steps, 1);
  EXPECT_TRUE(masked.frames[0].ended);
}

TEST(FrameParser, ZeroLengthFrameYieldsPayloadStepOnEmptyInput) {
  FrameParser parser(Role::client);
  Bytes bytes = {0x81, 0x00};
  std::span<std::uint8_t> in(bytes);
  EXPECT_EQ(parser.next(in).kind, Kind::header);
  EXPECT_TRUE(in.empty());
  FrameParser::Step s = parser.next(in);
  EXPECT_EQ(s.kind, Kind::payload);
  EXPECT_TRUE(s.payload.empty());
  EXPECT_TRUE(s.frame_end);
  EXPECT_EQ(parser.next(in).kind, Kind::need_more);
}

TEST(FrameParser, AcceptsDefaultConstructedEmptyInput) {
  // An empty span may have a null data(); the parser must not pass it on to memcpy.
  FrameParser parser(Role::client);
  std::span<std::uint8_t> none;
  EXPECT_EQ(parser.next(none).kind, Kind::need_more);
  Bytes bytes = {0x81};
  std::span<std::uint8_t> first(bytes);
  EXPECT_EQ(parser.next(first).kind, Kind::need_more);
  EXPECT_EQ(parser.next(none).kind, Kind::need_more);
  Bytes rest = {0x00};
  std::span<std::uint8_t> second(rest);
  EXPECT_EQ(parser.next(second).kind, Kind::header);
  FrameParser::Step s = parser.next(none);
  EXPECT_EQ(s.kind, Kind::payload);
  EXPECT_TRUE(s.frame_end);
  EXPECT_EQ(parser.next(none).kind, Kind::need_more);
}

TEST(FrameParser, PayloadStepPointsIntoCallerBuffer) {
  FrameParser parser(Role::server);
  Bytes bytes = kMaskedHello;
  std::span<std::uint8_t> in(bytes);
  ASSERT_EQ(parser.next(in).kind, Kind::header);
  FrameParser::Step s = parser.next(in);
  ASSERT_EQ(s.kind, Kind::payload);
  EXPECT_EQ(s.payload.data(), bytes.data() + 6);
  EXPECT_EQ(s.payload.size(), 5u);
  EXPECT_EQ(Bytes(bytes.begin() + 6, bytes.end()), from_string("Hello"));  // unmasked in place
}

TEST(FrameParser, InFrameTracksPartialHeaderAndPayload) {
  FrameParser parser(Role::client);
  EXPECT_FALSE(parser.in_frame());
  Bytes bytes = kUnmaskedHello;
  std::span<std::uint8_t> first(bytes.data(), 1);
  EXPECT_EQ(parser.next(first).kind, Kind::need_more);
  EXPECT_TRUE(parser.in_frame());
  std::span<std::uint8_t> rest(bytes.data() + 1, 3);
  EXPECT_EQ(parser.next(rest).kind, Kind::header);
  EXPECT_TRUE(parser.in_frame());
  EXPECT_EQ(parser.next(rest).kind, Kind::payload);
  EXPECT_TRUE(parser.in_frame());
  std::span<std::uint8_t> tail(bytes.data() + 4, 3);
  FrameParser::Step s = parser.next(tail);
  EXPECT_TRUE(s.frame_end);
  EXPECT_FALSE(parser.in_frame());
}

TEST(FrameParser, RejectsReservedBits) {
  for (std::uint8_t rsv : {0x40, 0x20, 0x10, 0x70}) {
    SCOPED_TRACE(::testing::Message() << "rsv bits " << int{rsv});
    expect_error_every_way(Role::client, build_frame(static_cast<std::uint8_t>(0x81 | rsv), from_string("x")),
                           ProtocolError::reserved_bits);
    expect_error_every_way(Role::server,
                           build_frame(static_cast<std::uint8_t>(0x81 | rsv), from_string("x"), kMask),
                           ProtocolError::reserved_bits);
  }
}

TEST(FrameParser, RejectsUnknownOpcodes) {
  for (std::uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    SCOPED_TRACE(::testing::Message() << "opcode " << int{op});
    expect_error_every_way(Role::client, build_frame(static_cast<std::uint8_t>(0x80 | op), {}),
                           ProtocolError::unknown_opcode);
    expect_error_every_way(Role::server, build_frame(static_cast<std::uint8_t>(0x80 | op), {0x01}, kMask),
                           ProtocolError::unknown_opcode);
  }
}

TEST(FrameParser, AcceptsEveryKnownOpcode) {
  for (std::uint8_t op : {0, 1, 2, 8, 9, 0xA}) {
    SCOPED_TRACE(::testing::Message() << "opcode " << int{op});
    ParseOutput out = parse(Role::client, build_frame(static_cast<std::uint8_t>(0x80 | op), {}));
    EXPECT_EQ(out.error, ProtocolError::none);
    ASSERT_EQ(out.frames.size(), 1u);
    EXPECT_EQ(static_cast<std::uint8_t>(out.frames[0].header.opcode), op);
  }
}

TEST(FrameParser, RejectsFragmentedControlFrames) {
  for (std::uint8_t op : {0x8, 0x9, 0xA}) {
    SCOPED_TRACE(::testing::Message() << "opcode " << int{op});
    expect_error_every_way(Role::client, build_frame(op, from_string("ab")),
                           ProtocolError::fragmented_control);
    expect_error_every_way(Role::server, build_frame(op, {}, kMask), ProtocolError::fragmented_control);
  }
}

TEST(FrameParser, AcceptsControlPayloadOf125) {
  ParseOutput out = parse_every_way(Role::client, build_frame(0x89, pattern(125)));
  EXPECT_EQ(out.error, ProtocolError::none);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].payload, pattern(125));
}

TEST(FrameParser, RejectsControlPayloadOf126) {
  for (std::uint8_t b0 : {0x88, 0x89, 0x8A}) {
    SCOPED_TRACE(::testing::Message() << "opcode byte " << int{b0});
    expect_error_every_way(Role::client, build_frame(b0, pattern(126)), ProtocolError::control_too_long);
    expect_error_every_way(Role::server, build_frame(b0, pattern(126), kMask),
                           ProtocolError::control_too_long);
  }
  // The same with a (minimal) 64-bit length.
  expect_error_every_way(Role::client, {0x89, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}, ProtocolError::control_too_long);
}

TEST(FrameParser, RejectsNonMinimal16BitLength) {
  expect_error_every_way(Role::client, {0x82, 0x7E, 0x00, 0x7D}, ProtocolError::non_minimal_length);
  expect_error_every_way(Role::client, {0x82, 0x7E, 0x00, 0x00}, ProtocolError::non_minimal_length);
  expect_error_every_way(Role::server, {0x82, 0xFE, 0x00, 0x05, 1, 2, 3, 4},
                         ProtocolError::non_minimal_length);
}

TEST(FrameParser, Accepts16BitLengthOf126) {
  ParseOutput out = parse(Role::client, build_frame(0x82, pattern(126)));
  EXPECT_EQ(out.error, ProtocolError::none);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].header.payload_length, 126u);
}

TEST(FrameParser, RejectsNonMinimal64BitLength) {
  expect_error_every_way(Role::client, {0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF},
                         ProtocolError::non_minimal_length);
  expect_error_every_way(Role::client, {0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0x05},
                         ProtocolError::non_minimal_length);
  expect_error_every_way(Role::server, {0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0x7E, 1, 2, 3, 4},
                         ProtocolError::non_minimal_length);
}

TEST(FrameParser, RejectsHighBitIn64BitLength) {
  expect_error_every_way(Role::client, {0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0},
                         ProtocolError::length_high_bit);
  expect_error_every_way(Role::client, {0x82, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
                         ProtocolError::length_high_bit);
  expect_error_every_way(Role::server, {0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4},
                         ProtocolError::length_high_bit);
}

TEST(FrameParser, AcceptsA4GiBLengthHeader) {
  FrameParser parser(Role::client);
  Bytes bytes = {0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF};
  std::span<std::uint8_t> in(bytes);
  ASSERT_EQ(parser.next(in).kind, Kind::header);
  EXPECT_EQ(parser.header().payload_length, 0xFFFFFFFFull);
}

TEST(FrameParser, RefusesAFrameOver4GiBAsTooBig) {
  // Valid on the wire (a 63-bit length), but no message may be that large: max_message_size
  // is clamped below 4 GiB, so the parser need not count further.
  expect_error_every_way(Role::client, Bytes{0x82, 0x7F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00},
                         ProtocolError::message_too_big);
  expect_error_every_way(Role::client, Bytes{0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
                         ProtocolError::message_too_big);
}

TEST(FrameParser, AcceptsTheCompressionBitOnlyWhereAnExtensionAllowsIt) {
  const Bytes compressed = build_frame(0xC1, from_string("x"));  // FIN, RSV1, text
  expect_error_every_way(Role::client, compressed, ProtocolError::reserved_bits);
  FrameParser parser(Role::client);
  parser.allow_rsv(rsv_bit::compressed);
  Bytes bytes = compressed;
  std::span<std::uint8_t> in(bytes);
  ASSERT_EQ(parser.next(in).kind, Kind::header);
  EXPECT_EQ(parser.header().rsv, rsv_bit::compressed);
  // Never on a control frame or a continuation (RFC 7692 §6), nor RSV2/RSV3.
  EXPECT_FALSE(rsv_allowed(rsv_bit::compressed, rsv_bit::compressed, Opcode::ping));
  EXPECT_FALSE(rsv_allowed(rsv_bit::compressed, rsv_bit::compressed, Opcode::continuation));
  EXPECT_FALSE(rsv_allowed(0x2, rsv_bit::compressed, Opcode::text));
  EXPECT_TRUE(rsv_allowed(0, 0, Opcode::text));
}

TEST(FrameParser, RejectsMaskedFrameToClient) {
  expect_error_every_way(Role::client, kMaskedHello, ProtocolError::masked_server_frame);
  expect_error_every_way(Role::client, kMaskedPong, ProtocolError::masked_server_frame);
}

TEST(FrameParser, ReportsErrorOnlyForTheBadFrame) {
  // A valid frame before the bad one is delivered in full first.
  const Bytes input = concat({kUnmaskedHello, build_frame(0xC1, from_string("x"))});
  ParseOutput out = parse_every_way(Role::client, input);
  EXPECT_EQ(out.error, ProtocolError::reserved_bits);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].payload, from_string("Hello"));
}

}  // namespace
}  // namespace sluice::detail
