// MessageAssembler: frames into messages (RFC 6455 §5.4) with fragment order, size cap and
// UTF-8 checks; driven frame by frame, and through FrameParser at every split point.
#include "ws/message_assembler.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ws/frame_parser.hpp"

namespace sluice::detail {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Event = MessageAssembler::Event;
using EventKind = MessageAssembler::Event::Kind;

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// An account with a limit that records what is charged, like a server's budget.
class CountingAccount final : public mem::MemoryAccount {
 public:
  explicit CountingAccount(std::size_t limit = SIZE_MAX) : limit_(limit) {}
  bool try_charge(std::size_t n, std::size_t) override {
    if (used_ + n > limit_) return false;
    used_ += n;
    return true;
  }
  void uncharge(std::size_t n) override { used_ -= n; }
  std::size_t used() const { return used_; }

 private:
  std::size_t limit_;
  std::size_t used_ = 0;
};

// An assembler with its own limits, as an endpoint would give it.
struct LimitsHolder {
  CountingAccount account;
  AssemblyLimits limits;
};
struct TestAssembler : LimitsHolder, MessageAssembler {
  explicit TestAssembler(std::size_t max_message_size, std::size_t budget = SIZE_MAX)
      : LimitsHolder{CountingAccount(budget), {AssemblyLimits::clamp(max_message_size), nullptr}},
        MessageAssembler(limits) {
    limits.account = &account;
  }
};

FrameHeader header(Opcode op, bool fin, std::uint64_t length) {
  FrameHeader h;
  h.fin = fin;
  h.opcode = op;
  h.masked = true;
  h.payload_length = length;
  return h;
}

// Delivers one frame whose payload arrives in one piece.
Event whole_frame(MessageAssembler& a, Opcode op, bool fin, Bytes& payload) {
  const FrameHeader h = header(op, fin, payload.size());
  Event e = a.on_header(h);
  if (e.kind != EventKind::none) return e;
  return a.on_payload(payload, true, h);
}

// Delivers one frame whose payload arrives in the given pieces; returns the last event.
Event split_frame(MessageAssembler& a, Opcode op, bool fin, Bytes& payload, std::vector<std::size_t> cuts) {
  const FrameHeader h = header(op, fin, payload.size());
  Event e = a.on_header(h);
  if (e.kind != EventKind::none) return e;
  cuts.push_back(payload.size());
  std::size_t start = 0;
  for (std::size_t end : cuts) {
    std::span<std::uint8_t> piece(payload.data() + start, end - start);
    start = end;
    e = a.on_payload(piece, end == payload.size(), h);
    if (e.kind != EventKind::none) return e;
  }
  return e;
}

TEST(MessageAssembler, SingleFrameMessageIsDeliveredWithoutCopy) {
  TestAssembler a(1024);
  Bytes payload = bytes("Hello");
  Event e = whole_frame(a, Opcode::text, true, payload);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.opcode, Opcode::text);
  EXPECT_EQ(e.data, "Hello");
  EXPECT_EQ(reinterpret_cast<const std::uint8_t*>(e.data.data()), payload.data());
  EXPECT_TRUE(a.idle());
}

TEST(MessageAssembler, EmptyMessageIsDelivered) {
  TestAssembler a(1024);
  Bytes empty;
  Event e = whole_frame(a, Opcode::binary, true, empty);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.opcode, Opcode::binary);
  EXPECT_TRUE(e.data.empty());
}

TEST(MessageAssembler, ReassemblesFragmentedText) {
  TestAssembler a(1024);
  Bytes hel = bytes("Hel"), lo = bytes("lo");
  EXPECT_EQ(whole_frame(a, Opcode::text, false, hel).kind, EventKind::none);
  EXPECT_FALSE(a.idle());
  Event e = whole_frame(a, Opcode::continuation, true, lo);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.opcode, Opcode::text);
  EXPECT_EQ(e.data, "Hello");
  a.release();
  EXPECT_TRUE(a.idle());
}

TEST(MessageAssembler, ReassemblesManyFragments) {
  TestAssembler a(1024);
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    Bytes part = bytes(std::to_string(i) + ",");
    expected += std::to_string(i) + ",";
    EXPECT_EQ(whole_frame(a, i == 0 ? Opcode::binary : Opcode::continuation, false, part).kind,
              EventKind::none);
  }
  Bytes last = bytes("end");
  expected += "end";
  Event e = whole_frame(a, Opcode::continuation, true, last);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.opcode, Opcode::binary);
  EXPECT_EQ(e.data, expected);
}

TEST(MessageAssembler, EmptyFragmentsContributeNothing) {
  TestAssembler a(1024);
  Bytes empty, abc = bytes("abc"), empty2;
  EXPECT_EQ(whole_frame(a, Opcode::text, false, empty).kind, EventKind::none);
  EXPECT_EQ(whole_frame(a, Opcode::continuation, false, abc).kind, EventKind::none);
  Event e = whole_frame(a, Opcode::continuation, true, empty2);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.data, "abc");
}

TEST(MessageAssembler, SingleFrameSplitAcrossReadsIsGathered) {
  TestAssembler a(1024);
  Bytes payload = bytes("Hello, world");
  for (std::size_t cut = 1; cut < payload.size(); ++cut) {
    Bytes copy = payload;
    Event e = split_frame(a, Opcode::text, true, copy, {cut});
    ASSERT_EQ(e.kind, EventKind::message) << "cut " << cut;
    EXPECT_EQ(e.data, "Hello, world");
    a.release();
    EXPECT_TRUE(a.idle());
  }
}

TEST(MessageAssembler, PingInsideFragmentedMessageIsDeliveredAtOnce) {
  // RFC 6455 §5.4: control frames may be injected in the middle of a fragmented message.
  TestAssembler a(1024);
  Bytes hel = bytes("Hel"), ping = bytes("are you there"), lo = bytes("lo");
  EXPECT_EQ(whole_frame(a, Opcode::text, false, hel).kind, EventKind::none);
  Event c = whole_frame(a, Opcode::ping, true, ping);
  ASSERT_EQ(c.kind, EventKind::control);
  EXPECT_EQ(c.opcode, Opcode::ping);
  EXPECT_EQ(c.data, "are you there");
  a.release();
  EXPECT_FALSE(a.idle());  // the message is still in progress
  Event e = whole_frame(a, Opcode::continuation, true, lo);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.data, "Hello");
  a.release();
  EXPECT_TRUE(a.idle());
}

TEST(MessageAssembler, RejectsContinuationWithoutStart) {
  TestAssembler a(1024);
  Bytes p = bytes("x");
  Event e = whole_frame(a, Opcode::continuation, true, p);
  EXPECT_EQ(e.kind, EventKind::error);
  EXPECT_EQ(e.error, ProtocolError::unexpected_continuation);
}

TEST(MessageAssembler, RejectsContinuationAfterCompletedMessage) {
  TestAssembler a(1024);
  Bytes p = bytes("x"), q = bytes("y");
  ASSERT_EQ(whole_frame(a, Opcode::text, true, p).kind, EventKind::message);
  a.release();
  Event e = whole_frame(a, Opcode::continuation, false, q);
  EXPECT_EQ(e.kind, EventKind::error);
  EXPECT_EQ(e.error, ProtocolError::unexpected_continuation);
}

TEST(MessageAssembler, RejectsNewDataFrameWhileFragmented) {
  for (Opcode op : {Opcode::text, Opcode::binary}) {
    TestAssembler a(1024);
    Bytes first = bytes("first"), second = bytes("second");
    EXPECT_EQ(whole_frame(a, Opcode::text, false, first).kind, EventKind::none);
    Event e = whole_frame(a, op, true, second);
    EXPECT_EQ(e.kind, EventKind::error);
    EXPECT_EQ(e.error, ProtocolError::expected_continuation);
  }
}

TEST(MessageAssembler, RejectsOversizedFrameAtHeader) {
  TestAssembler a(10);
  Event e = a.on_header(header(Opcode::binary, true, 11));
  EXPECT_EQ(e.kind, EventKind::error);
  EXPECT_EQ(e.error, ProtocolError::message_too_big);
}

TEST(MessageAssembler, RejectsHugeDeclaredLengthAtHeader) {
  TestAssembler a(1 << 20);
  Event e = a.on_header(header(Opcode::binary, true, 0x7FFFFFFFFFFFFFFFull));
  EXPECT_EQ(e.kind, EventKind::error);
  EXPECT_EQ(e.error, ProtocolError::message_too_big);
}

TEST(MessageAssembler, AcceptsMessageOfExactlyMaxSize) {
  TestAssembler a(10);
  Bytes p(10, 'x');
  EXPECT_EQ(whole_frame(a, Opcode::binary, true, p).kind, EventKind::message);
  TestAssembler b(10);
  Bytes six(6, 'a'), four(4, 'b');
  EXPECT_EQ(whole_frame(b, Opcode::binary, false, six).kind, EventKind::none);
  Event e = whole_frame(b, Opcode::continuation, true, four);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.data, "aaaaaabbbb");
}

TEST(MessageAssembler, RejectsFragmentsThatTogetherExceedMaxSize) {
  TestAssembler a(10);
  Bytes six(6, 'a');
  EXPECT_EQ(whole_frame(a, Opcode::binary, false, six).kind, EventKind::none);
  Event e = a.on_header(header(Opcode::continuation, true, 5));
  EXPECT_EQ(e.kind, EventKind::error);
  EXPECT_EQ(e.error, ProtocolError::message_too_big);
}

TEST(MessageAssembler, ControlFramesDoNotCountTowardsMaxSize) {
  TestAssembler a(10);
  Bytes six(6, 'a'), ping(100, 'p'), four(4, 'b');
  EXPECT_EQ(whole_frame(a, Opcode::binary, false, six).kind, EventKind::none);
  EXPECT_EQ(whole_frame(a, Opcode::ping, true, ping).kind, EventKind::control);
  a.release();
  EXPECT_EQ(whole_frame(a, Opcode::continuation, true, four).kind, EventKind::message);
}

TEST(MessageAssembler, RejectsInvalidUtf8SplitAcrossFragments) {
  TestAssembler a(1024);
  Bytes first = bytes("ok \xE2\x82"), second = bytes("(");
  EXPECT_EQ(whole_frame(a, Opcode::text, false, first).kind, EventKind::none);
  Event e = whole_frame(a, Opcode::continuation, true, second);
  EXPECT_EQ(e.kind, EventKind::error);
  EXPECT_EQ(e.error, ProtocolError::invalid_utf8);
}

TEST(MessageAssembler, RejectsInvalidUtf8BeforeMessageEnds) {
  // Fail fast (§8.1): the bad fragment is refused without waiting for FIN.
  TestAssembler a(1024);
  Bytes first = bytes("ok"), bad = bytes("\xC0\xAF");
  EXPECT_EQ(whole_frame(a, Opcode::text, false, first).kind, EventKind::none);
  Event e = whole_frame(a, Opcode::continuation, false, bad);
  EXPECT_EQ(e.kind, EventKind::error);
  EXPECT_EQ(e.error, ProtocolError::invalid_utf8);
}

TEST(MessageAssembler, RejectsTextEndingMidCharacter) {
  TestAssembler a(1024);
  Bytes first = bytes("\xF0\x9F"), second = bytes("\x98");
  EXPECT_EQ(whole_frame(a, Opcode::text, false, first).kind, EventKind::none);
  Event e = whole_frame(a, Opcode::continuation, true, second);
  EXPECT_EQ(e.kind, EventKind::error);
  EXPECT_EQ(e.error, ProtocolError::invalid_utf8);
  TestAssembler b(1024);
  Bytes single = bytes("abc\xE2\x82");
  EXPECT_EQ(whole_frame(b, Opcode::text, true, single).error, ProtocolError::invalid_utf8);
}

TEST(MessageAssembler, AcceptsCharacterSplitAcrossFragments) {
  TestAssembler a(1024);
  Bytes first = bytes("\xE2\x82"), second = bytes("\xAC!");
  EXPECT_EQ(whole_frame(a, Opcode::text, false, first).kind, EventKind::none);
  Event e = whole_frame(a, Opcode::continuation, true, second);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.data, "\xE2\x82\xAC!");
}

TEST(MessageAssembler, BinaryIsNotCheckedAsUtf8) {
  TestAssembler a(1024);
  Bytes p = bytes("\xFF\xC0\x80\xE2");
  Event e = whole_frame(a, Opcode::binary, true, p);
  ASSERT_EQ(e.kind, EventKind::message);
  a.release();
  Bytes t = bytes("text after binary");
  EXPECT_EQ(whole_frame(a, Opcode::text, true, t).kind, EventKind::message);
}

TEST(MessageAssembler, Utf8StateResetsBetweenMessages) {
  TestAssembler a(1024);
  Bytes first = bytes("\xC3\xA9");
  ASSERT_EQ(whole_frame(a, Opcode::text, true, first).kind, EventKind::message);
  a.release();
  Bytes second = bytes("plain");
  Event e = whole_frame(a, Opcode::text, true, second);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.data, "plain");
}

TEST(MessageAssembler, ReleaseFreesTheBuffer) {
  TestAssembler a(1 << 20);
  Bytes big(100000, 'z'), tail = bytes("!");
  EXPECT_EQ(whole_frame(a, Opcode::binary, false, big).kind, EventKind::none);
  Event e = whole_frame(a, Opcode::continuation, true, tail);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.data.size(), 100001u);
  EXPECT_FALSE(a.idle());
  a.release();
  EXPECT_TRUE(a.idle());
  // The next message starts from nothing: no stale bytes from the previous buffer.
  Bytes x = bytes("x"), y = bytes("y");
  EXPECT_EQ(whole_frame(a, Opcode::binary, false, x).kind, EventKind::none);
  Event f = whole_frame(a, Opcode::continuation, true, y);
  ASSERT_EQ(f.kind, EventKind::message);
  EXPECT_EQ(f.data, "xy");
}

TEST(MessageAssembler, ReleaseKeepsMessageInProgress) {
  TestAssembler a(1024);
  Bytes hel = bytes("Hel"), lo = bytes("lo");
  EXPECT_EQ(whole_frame(a, Opcode::text, false, hel).kind, EventKind::none);
  a.release();
  Event e = whole_frame(a, Opcode::continuation, true, lo);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.data, "Hello");
}

TEST(MessageAssembler, ControlFrameSplitAcrossReadsIsReassembled) {
  for (Opcode op : {Opcode::ping, Opcode::pong, Opcode::close}) {
    TestAssembler a(1024);
    Bytes payload = bytes(
        "\x03\xE8"
        "bye now");
    Event e = split_frame(a, op, true, payload, {1, 4, 5});
    ASSERT_EQ(e.kind, EventKind::control);
    EXPECT_EQ(e.opcode, op);
    EXPECT_EQ(e.data, std::string_view("\x03\xE8"
                                       "bye now"));
    EXPECT_FALSE(a.idle());
    a.release();
    EXPECT_TRUE(a.idle());
  }
}

TEST(MessageAssembler, MaxSizeControlFrameSplitAtEveryPoint) {
  TestAssembler a(1024);
  Bytes payload(kMaxControlPayload, 0);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i);
  const std::string expected(payload.begin(), payload.end());
  for (std::size_t cut = 1; cut < payload.size(); ++cut) {
    Bytes copy = payload;
    Event e = split_frame(a, Opcode::ping, true, copy, {cut});
    ASSERT_EQ(e.kind, EventKind::control) << "cut " << cut;
    EXPECT_EQ(e.data, expected);
    a.release();
  }
  // Two split control frames in a row with release() between: no stale bytes carry over.
  Bytes one = bytes("abc"), two = bytes("xyz");
  EXPECT_EQ(split_frame(a, Opcode::ping, true, one, {1}).data, "abc");
  a.release();
  EXPECT_EQ(split_frame(a, Opcode::pong, true, two, {2}).data, "xyz");
  a.release();
  EXPECT_TRUE(a.idle());
}

TEST(MessageAssembler, WholeControlFrameIsDeliveredInPlace) {
  TestAssembler a(1024);
  Bytes payload = bytes("ping!");
  Event e = whole_frame(a, Opcode::ping, true, payload);
  ASSERT_EQ(e.kind, EventKind::control);
  EXPECT_EQ(reinterpret_cast<const std::uint8_t*>(e.data.data()), payload.data());
  EXPECT_TRUE(a.idle());
}

TEST(MessageAssembler, ControlFrameSplitInsideFragmentedMessage) {
  TestAssembler a(1024);
  Bytes hel = bytes("Hel"), ping = bytes("12345"), lo = bytes("lo");
  EXPECT_EQ(split_frame(a, Opcode::text, false, hel, {1}).kind, EventKind::none);
  Event c = split_frame(a, Opcode::ping, true, ping, {2});
  ASSERT_EQ(c.kind, EventKind::control);
  EXPECT_EQ(c.data, "12345");
  a.release();
  Event e = split_frame(a, Opcode::continuation, true, lo, {1});
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.data, "Hello");
}

// FrameParser + MessageAssembler over a byte stream: step by step, or as the connection drives
// them (next_frame + on_frame, falling back to steps for a frame split across reads).
struct Delivered {
  EventKind kind;
  Opcode opcode;
  std::string data;
  ProtocolError error;
  bool operator==(const Delivered&) const = default;
};

std::vector<Delivered> run_stream(Bytes input, const std::vector<std::size_t>& cuts, std::size_t max_size,
                                  bool whole_frames = false) {
  FrameParser parser(Role::server);
  TestAssembler assembler(max_size);
  std::vector<Delivered> out;
  std::vector<std::size_t> bounds = cuts;
  bounds.push_back(input.size());
  std::size_t start = 0;
  for (std::size_t end : bounds) {
    std::span<std::uint8_t> in(input.data() + start, end - start);
    start = end;
    for (;;) {
      FrameParser::Step s = whole_frames ? parser.next_frame(in) : parser.next(in);
      if (s.kind == FrameParser::Step::Kind::need_more) break;
      if (s.kind == FrameParser::Step::Kind::error) {
        out.push_back({EventKind::error, Opcode::binary, "", s.error});
        return out;
      }
      Event e = s.kind == FrameParser::Step::Kind::frame ? assembler.on_frame(parser.header(), s.payload)
                : s.kind == FrameParser::Step::Kind::header
                    ? assembler.on_header(parser.header())
                    : assembler.on_payload(s.payload, s.frame_end, parser.header());
      if (e.kind == EventKind::none) continue;
      out.push_back({e.kind, e.opcode, std::string(e.data), e.error});
      if (e.kind == EventKind::error) return out;
      assembler.release();
    }
  }
  EXPECT_TRUE(assembler.idle());
  return out;
}

Bytes masked_frame(std::uint8_t b0, std::string_view payload) {
  const std::uint8_t mask[4] = {0x11, 0x22, 0x33, 0x44};
  Bytes out{b0};
  if (payload.size() < 126) {
    out.push_back(static_cast<std::uint8_t>(0x80 | payload.size()));
  } else {
    out.push_back(0x80 | 126);
    out.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(payload.size()));
  }
  out.insert(out.end(), mask, mask + 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(static_cast<std::uint8_t>(static_cast<std::uint8_t>(payload[i]) ^ mask[i % 4]));
  return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(MessageAssembler, StreamGivesSameMessagesAtEverySplitPoint) {
  const std::string long_text(300, 'L');
  const Bytes input = concat({
      masked_frame(0x01, "Hel"),                     // text, FIN clear
      masked_frame(0x89, "ping"),                    // ping between fragments
      masked_frame(0x00, "\xE2\x82"),                // continuation, euro sign split
      masked_frame(0x80, "\xAC"),                    // final continuation
      masked_frame(0x82, std::string("\0\xFF", 2)),  // binary
      masked_frame(0x8A, ""),                        // empty pong
      masked_frame(0x81, long_text),                 // 16-bit length text
      masked_frame(0x88, "\x03\xE8"),                // close 1000
  });
  const std::vector<Delivered> expected = {
      {EventKind::control, Opcode::ping, "ping", ProtocolError::none},
      {EventKind::message, Opcode::text, "Hel\xE2\x82\xAC", ProtocolError::none},
      {EventKind::message, Opcode::binary, std::string("\0\xFF", 2), ProtocolError::none},
      {EventKind::control, Opcode::pong, "", ProtocolError::none},
      {EventKind::message, Opcode::text, long_text, ProtocolError::none},
      {EventKind::control, Opcode::close, "\x03\xE8", ProtocolError::none},
  };
  for (bool whole_frames : {false, true}) {
    SCOPED_TRACE(whole_frames ? "whole frames" : "steps");
    EXPECT_EQ(run_stream(input, {}, 1024, whole_frames), expected);
    for (std::size_t cut = 0; cut <= input.size(); ++cut)
      ASSERT_EQ(run_stream(input, {cut}, 1024, whole_frames), expected) << "split at " << cut;
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i) every.push_back(i);
    EXPECT_EQ(run_stream(input, every, 1024, whole_frames), expected);
  }
}

TEST(MessageAssembler, StreamRejectsInvalidUtf8AtEverySplitPoint) {
  const Bytes input = concat({masked_frame(0x01, "ok \xED"), masked_frame(0x80, "\xA0\x80 surrogate")});
  const std::vector<Delivered> expected = {
      {EventKind::error, Opcode::binary, "", ProtocolError::invalid_utf8},
  };
  for (bool whole_frames : {false, true})
    for (std::size_t cut = 0; cut <= input.size(); ++cut)
      ASSERT_EQ(run_stream(input, {cut}, 1024, whole_frames), expected) << "split at " << cut;
}

TEST(MessageAssembler, StreamRejectsOversizedMessageAtEverySplitPoint) {
  const Bytes input = concat({masked_frame(0x02, "12345"), masked_frame(0x80, "678")});
  const std::vector<Delivered> expected = {
      {EventKind::error, Opcode::binary, "", ProtocolError::message_too_big},
  };
  for (bool whole_frames : {false, true})
    for (std::size_t cut = 0; cut <= input.size(); ++cut)
      ASSERT_EQ(run_stream(input, {cut}, 7, whole_frames), expected) << "split at " << cut;
}

TEST(MessageAssembler, WholeFrameMessagesAreCheckedLikeSteppedOnes) {
  // One-frame messages take on_frame's direct path; each check must still apply there.
  struct Case {
    Bytes input;
    std::size_t max_size;
    std::vector<Delivered> expected;
  };
  const std::vector<Case> cases = {
      {masked_frame(0x81, "caf\xC3\xA9"),
       16,
       {{EventKind::message, Opcode::text, "caf\xC3\xA9", ProtocolError::none}}},
      {masked_frame(0x81, "bad \xC3"),
       16,
       {{EventKind::error, Opcode::binary, "", ProtocolError::invalid_utf8}}},
      {masked_frame(0x81, "\xED\xA0\x80"),
       16,
       {{EventKind::error, Opcode::binary, "", ProtocolError::invalid_utf8}}},
      {masked_frame(0x82, "12345678"),
       8,
       {{EventKind::message, Opcode::binary, "12345678", ProtocolError::none}}},
      {masked_frame(0x82, "123456789"),
       8,
       {{EventKind::error, Opcode::binary, "", ProtocolError::message_too_big}}},
      {masked_frame(0x80, "x"),
       8,
       {{EventKind::error, Opcode::binary, "", ProtocolError::unexpected_continuation}}},
      {concat({masked_frame(0x02, "ab"), masked_frame(0x82, "cd")}),
       8,
       {{EventKind::error, Opcode::binary, "", ProtocolError::expected_continuation}}},
  };
  for (const Case& c : cases) {
    for (bool whole_frames : {false, true}) {
      SCOPED_TRACE(whole_frames ? "whole frames" : "steps");
      EXPECT_EQ(run_stream(c.input, {}, c.max_size, whole_frames), c.expected);
    }
  }
}

}  // namespace
}  // namespace sluice::detail

namespace sluice::detail {
namespace {

TEST(MessageAssembler, WhatItGathersIsChargedToItsAccountAndReturnedOnceDelivered) {
  TestAssembler a(1 << 20);
  Bytes first(40'000, 'a'), second(40'000, 'b');
  EXPECT_EQ(whole_frame(a, Opcode::binary, false, first).kind, EventKind::none);
  EXPECT_GE(a.account.used(), 40'000u);
  EXPECT_EQ(a.account.used(), a.held_bytes());
  Event e = whole_frame(a, Opcode::continuation, true, second);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.data.size(), 80'000u);
  EXPECT_GE(a.account.used(), 80'000u);
  a.release();
  EXPECT_EQ(a.account.used(), 0u);
}

TEST(MessageAssembler, AGrowthTheAccountRefusesIsAnOverBudgetError) {
  TestAssembler a(16 << 20, 100'000);
  Bytes chunk(60'000, 'c');
  EXPECT_EQ(whole_frame(a, Opcode::binary, false, chunk).kind, EventKind::none);
  Event e = whole_frame(a, Opcode::continuation, false, chunk);
  EXPECT_EQ(e.kind, EventKind::error);
  EXPECT_EQ(e.error, ProtocolError::over_memory_budget);
  EXPECT_LE(a.account.used(), 100'000u);
}

TEST(MessageAssembler, ALargeMessageIsGatheredInAMappedBlockAndAllOfItIsReturned) {
  TestAssembler a(8 << 20);
  Bytes chunk(1 << 20, 'm');
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(whole_frame(a, i == 0 ? Opcode::binary : Opcode::continuation, false, chunk).kind,
              EventKind::none);
  }
  EXPECT_GE(a.account.used(), 3u << 20);
  Event e = whole_frame(a, Opcode::continuation, true, chunk);
  ASSERT_EQ(e.kind, EventKind::message);
  EXPECT_EQ(e.data.size(), 4u << 20);
  EXPECT_EQ(e.data.back(), 'm');
  a.release();
  EXPECT_EQ(a.account.used(), 0u);
}

TEST(MessageAssembler, AnAssemblerDestroyedMidMessageReturnsWhatItHeld) {
  CountingAccount account;
  AssemblyLimits limits{1 << 20, &account};
  {
    MessageAssembler a(limits);
    Bytes chunk(5000, 'd');
    EXPECT_EQ(whole_frame(a, Opcode::text, false, chunk).kind, EventKind::none);
    EXPECT_GT(account.used(), 0u);
  }
  EXPECT_EQ(account.used(), 0u);
}

}  // namespace
}  // namespace sluice::detail
