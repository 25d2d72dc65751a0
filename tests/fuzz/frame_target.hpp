// The frame fuzzers' shared target (server_frames, client_frames): a stream of frame bytes
// through FrameParser and MessageAssembler as Connection::on_frame_bytes drives them, read by
// read, and a compressed message through the Inflater as Connection::on_compressed_message
// drives it. Each step is held against plain references: the header as RFC 6455 §5.2 decodes
// it, the payload unmasked byte by byte, a model of §5.4 message assembly that says which
// message, control frame or error each step must yield, and zlib inflating a compressed message
// in one call (RFC 7692 §7.2.2). Every stream runs four ways (one read or the input's reads;
// next_frame as the engine calls it, or the general next alone), and all four must see the same
// events.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "mem/memory_account.hpp"
#include "reference_inflate.hpp"
#include "sluice/close_code.hpp"
#include "ws/deflate_stream.hpp"
#include "ws/frame_parser.hpp"
#include "ws/message_assembler.hpp"
#include "ws/protocol_error.hpp"
#include "ws/utf8.hpp"

namespace sluice::fuzz {

using detail::FrameHeader;
using detail::FrameParser;
using detail::Inflater;
using detail::MessageAssembler;
using detail::ProtocolError;
using detail::Role;

// Whether the stream's connection negotiated permessage-deflate, and with which context rule
// for the messages it reads.
enum class Deflate : std::uint8_t { off, no_context_takeover, context_takeover };

// What a run saw, owning its bytes, so that runs can be compared.
struct FrameEvent {
  enum class Kind : std::uint8_t { message, control, error, close };
  Kind kind;
  std::uint16_t code;  // message, control: the opcode; error: the ProtocolError; close: its code
  std::string data;
  bool operator==(const FrameEvent&) const = default;
};

struct RunResult {
  std::vector<FrameEvent> events;
  bool stopped = false;   // an error or a close ended the run, as it ends the connection's reading
  bool in_frame = false;  // where the stream ended, when nothing stopped it
  bool assembler_idle = true;
  bool operator==(const RunResult&) const = default;
};

// A header decoded from the raw bytes, independently of FrameParser.
struct ReferenceHeader {
  std::size_t size = 0;  // header bytes, with the extended length and the mask key
  bool fin = false;
  std::uint8_t rsv = 0;
  std::uint8_t opcode = 0;
  bool masked = false;
  std::uint8_t len7 = 0;
  std::uint64_t length = 0;
  std::array<std::uint8_t, 4> mask{};
};

// False when `s` ends before the header does.
inline bool reference_header(std::span<const std::uint8_t> s, ReferenceHeader& h) {
  if (s.size() < 2) return false;
  h.fin = (s[0] & 0x80) != 0;
  h.rsv = (s[0] >> 4) & 7;
  h.opcode = s[0] & 0x0F;
  h.masked = (s[1] & 0x80) != 0;
  h.len7 = s[1] & 0x7F;
  const std::size_t ext = h.len7 == 126 ? 2 : h.len7 == 127 ? 8 : 0;
  h.size = 2 + ext + (h.masked ? 4 : 0);
  if (s.size() < h.size) return false;
  h.length = h.len7 < 126 ? h.len7 : 0;
  for (std::size_t i = 0; i < ext; ++i) h.length = h.length << 8 | s[2 + i];
  if (h.masked) std::copy_n(s.begin() + 2 + static_cast<std::ptrdiff_t>(ext), 4, h.mask.begin());
  return true;
}

// RFC 6455 §5.2 allows no reserved bit unless an extension says what it means; permessage-deflate
// gives RSV1 to the first frame of a compressed message, never to a continuation or a control
// frame (RFC 7692 §6, §6.1).
inline bool reserved_bits_allowed(const ReferenceHeader& h, Deflate deflate) {
  if (h.rsv == 0) return true;
  return deflate != Deflate::off && h.rsv == 4 && (h.opcode == 1 || h.opcode == 2);
}

// Whether the header breaks `rule` (RFC 6455 §5.1, §5.2, §5.5). A header may break several;
// which one the parser names first is its own business.
inline bool breaks(const ReferenceHeader& h, Role role, Deflate deflate, ProtocolError rule) {
  const bool control = (h.opcode & 0x8) != 0;
  switch (rule) {
    case ProtocolError::reserved_bits: return !reserved_bits_allowed(h, deflate);
    case ProtocolError::unknown_opcode: return !(h.opcode <= 2 || (h.opcode >= 8 && h.opcode <= 10));
    case ProtocolError::unmasked_client_frame: return role == Role::server && !h.masked;
    case ProtocolError::masked_server_frame: return role == Role::client && h.masked;
    case ProtocolError::fragmented_control: return control && !h.fin;
    case ProtocolError::control_too_long: return control && h.length > 125;
    case ProtocolError::non_minimal_length:
      return (h.len7 == 126 && h.length < 126) || (h.len7 == 127 && h.length <= 0xFFFF);
    case ProtocolError::length_high_bit: return h.len7 == 127 && (h.length >> 63) != 0;
    // No message may pass 4 GiB, so a frame that announces more is refused at its header.
    case ProtocolError::message_too_big: return h.length > UINT32_MAX;
    default: return false;
  }
}

inline bool breaks_any(const ReferenceHeader& h, Role role, Deflate deflate) {
  for (auto rule :
       {ProtocolError::reserved_bits, ProtocolError::unknown_opcode, ProtocolError::unmasked_client_frame,
        ProtocolError::masked_server_frame, ProtocolError::fragmented_control,
        ProtocolError::control_too_long, ProtocolError::non_minimal_length, ProtocolError::length_high_bit,
        ProtocolError::message_too_big})
    if (breaks(h, role, deflate, rule)) return true;
  return false;
}

inline void check_header_matches(const FrameHeader& got, const ReferenceHeader& want) {
  FUZZ_CHECK(got.fin == want.fin && got.rsv == want.rsv);
  FUZZ_CHECK(static_cast<std::uint8_t>(got.opcode) == want.opcode);
  FUZZ_CHECK(got.masked == want.masked && got.payload_length == want.length);
  if (want.masked) FUZZ_CHECK(got.mask == want.mask);
}

// RFC 6455 §5.4 as plainly as it reads, fed the same frames as the assembler: what each step
// must yield.
class ModelAssembler {
 public:
  struct Expected {
    MessageAssembler::Event::Kind kind = MessageAssembler::Event::Kind::none;
    ProtocolError error = ProtocolError::none;
    Opcode opcode = Opcode::binary;
    std::string data;
    bool compressed = false;  // `data` is the message's DEFLATE data, its text not checked yet
  };

  explicit ModelAssembler(std::size_t max_message_size)
      : max_(std::min<std::size_t>(max_message_size, UINT32_MAX)) {}

  Expected header(const FrameHeader& h) {
    if (h.is_control()) {
      control_.clear();
      return {};
    }
    if (h.opcode == Opcode::continuation) {
      if (!in_message_) return fail(ProtocolError::unexpected_continuation);
    } else {
      if (in_message_) return fail(ProtocolError::expected_continuation);
      in_message_ = true;
      opcode_ = h.opcode;
      compressed_ = h.rsv != 0;  // the header passed the reference: RSV1 alone, compressed
      message_.clear();
      declared_ = 0;
      utf8_ = {};
    }
    declared_ += h.payload_length;
    if (declared_ > max_) return fail(ProtocolError::message_too_big);
    return {};
  }

  Expected payload(std::string_view chunk, bool frame_end, const FrameHeader& h) {
    using Kind = MessageAssembler::Event::Kind;
    if (h.is_control()) {
      control_.append(chunk);
      if (!frame_end) return {};
      return {Kind::control, ProtocolError::none, h.opcode, control_};
    }
    message_.append(chunk);
    // §8.1: text is rejected at the first byte that cannot lead to valid UTF-8; compressed text
    // once it is inflated.
    const bool check_text = opcode_ == Opcode::text && !compressed_;
    if (check_text && !utf8_.feed(chunk)) return fail(ProtocolError::invalid_utf8);
    if (!frame_end || !h.fin) return {};
    in_message_ = false;
    if (check_text && !utf8_.complete()) return fail(ProtocolError::invalid_utf8);
    return {Kind::message, ProtocolError::none, opcode_, message_, compressed_};
  }

 private:
  static Expected fail(ProtocolError e) { return {MessageAssembler::Event::Kind::error, e, {}, {}}; }

  std::size_t max_;
  bool in_message_ = false;
  bool compressed_ = false;
  Opcode opcode_ = Opcode::binary;
  std::uint64_t declared_ = 0;  // payload lengths of the message's frames so far
  std::string message_;
  std::string control_;
  ReferenceUtf8 utf8_;
};

// One run over a stream: the connection's read loop, with every step checked.
class FrameRun {
 public:
  FrameRun(Role role, std::size_t max_message_size, Deflate deflate, bool general_only,
           std::span<const std::uint8_t> stream)
      : role_(role),
        max_(max_message_size),
        deflate_(deflate),
        general_only_(general_only),
        stream_(stream),
        parser_(role),
        limits_{detail::AssemblyLimits::clamp(max_message_size), &detail::mem::unlimited_account()},
        assembler_(limits_),
        model_(max_message_size),
        inflater_(detail::mem::unlimited_account()) {
    if (deflate != Deflate::off) parser_.allow_rsv(detail::rsv_bit::compressed);
  }

  RunResult run(const std::vector<std::size_t>& reads) {
    for_each_read(stream_, reads,
                  [&](std::span<std::uint8_t> read, std::size_t at) { return on_read(read, at); });
    // After an error the parser's position is nobody's business: the connection reads no more.
    if (!result_.stopped) {
      result_.in_frame = parser_.in_frame();
      result_.assembler_idle = assembler_.idle();
    }
    return result_;
  }

 private:
  using Step = FrameParser::Step;
  using Event = MessageAssembler::Event;

  // Connection::on_frame_bytes: false once the connection would stop reading.
  bool on_read(std::span<std::uint8_t> read, std::size_t at) {
    std::span<std::uint8_t> input = read;
    int idle = 0;
    for (;;) {
      const std::size_t pos = at + static_cast<std::size_t>(input.data() - read.data());
      if (!parser_.in_frame()) frame_start_ = pos;
      const std::span<std::uint8_t> before = input;
      Step step = general_only_ ? parser_.next(input) : parser_.next_frame(input);
      // The parser consumes a prefix of what it is given, never more.
      FUZZ_CHECK(input.data() >= before.data() && input.data() <= before.data() + before.size());
      FUZZ_CHECK(input.data() + input.size() == before.data() + before.size());
      const auto used = static_cast<std::size_t>(input.data() - before.data());
      const std::size_t end = pos + used;  // stream offset after the step
      // Only the empty payload of a zero-length frame takes no bytes, and never twice running.
      idle = used == 0 ? idle + 1 : 0;
      FUZZ_CHECK(step.kind == Step::Kind::need_more || idle <= 1);

      switch (step.kind) {
        case Step::Kind::need_more:
          // Whatever it cannot use yet (part of a header) it keeps itself.
          FUZZ_CHECK(input.empty());
          return true;
        case Step::Kind::error: {
          ReferenceHeader ref;
          FUZZ_CHECK(reference_header(stream_.subspan(frame_start_), ref));
          FUZZ_CHECK(breaks(ref, role_, deflate_, step.error));
          FUZZ_CHECK(end == frame_start_ + ref.size);
          return stop({FrameEvent::Kind::error, static_cast<std::uint16_t>(step.error), {}});
        }
        case Step::Kind::header: {
          const FrameHeader& h = checked_header(end - frame_start_, 0);
          frame_offset_ = 0;
          if (!deliver(assembler_.on_header(h), model_.header(h))) return false;
          break;
        }
        case Step::Kind::payload: {
          const FrameHeader& h = parser_.header();
          FUZZ_CHECK(step.payload.data() == before.data() && step.payload.size() == used);
          FUZZ_CHECK(frame_offset_ + used <= h.payload_length);
          check_unmasked(step.payload, pos, h, frame_offset_);
          frame_offset_ += used;
          FUZZ_CHECK(step.frame_end == (frame_offset_ == h.payload_length));
          Event ev = assembler_.on_payload(step.payload, step.frame_end, h);
          if (!deliver(ev, model_.payload(chars(step.payload), step.frame_end, h))) return false;
          break;
        }
        case Step::Kind::frame: {
          // Only next_frame yields whole frames, only from one read, and the payload is what
          // ends the step.
          FUZZ_CHECK(!general_only_ && frame_start_ == pos && step.frame_end);
          FUZZ_CHECK(step.payload.data() + step.payload.size() == input.data());
          const auto header_size = static_cast<std::size_t>(step.payload.data() - before.data());
          const FrameHeader& h = checked_header(header_size, step.payload.size());
          FUZZ_CHECK(step.payload.size() == h.payload_length);
          check_unmasked(step.payload, pos + header_size, h, 0);
          ModelAssembler::Expected want = model_.header(h);
          if (want.kind == Event::Kind::none) want = model_.payload(chars(step.payload), true, h);
          if (!deliver(assembler_.on_frame(h, step.payload), want)) return false;
          if (input.empty()) return true;  // as on_frame_bytes: nothing left, no frame in progress
          break;
        }
      }
    }
  }

  // The parser's header against the reference decoding of the same bytes; `header_size`
  // is how many bytes the step took before the payload.
  const FrameHeader& checked_header(std::size_t header_size, std::size_t payload_size) {
    ReferenceHeader ref;
    FUZZ_CHECK(reference_header(stream_.subspan(frame_start_), ref));
    FUZZ_CHECK(!breaks_any(ref, role_, deflate_));
    FUZZ_CHECK(header_size == ref.size);
    FUZZ_CHECK(frame_start_ + ref.size + payload_size <= stream_.size());
    const FrameHeader& h = parser_.header();
    check_header_matches(h, ref);
    return h;
  }

  // Each payload byte is the wire byte XOR the key byte of its place in the frame (§5.3).
  void check_unmasked(std::span<const std::uint8_t> payload, std::size_t pos, const FrameHeader& h,
                      std::uint64_t frame_offset) {
    FUZZ_CHECK(pos + payload.size() <= stream_.size());
    for (std::size_t i = 0; i < payload.size(); ++i) {
      const std::uint8_t key = h.masked ? h.mask[(frame_offset + i) & 3] : 0;
      FUZZ_CHECK(payload[i] == (stream_[pos + i] ^ key));
    }
  }

  // The assembler's answer against the model's, handled as Connection::on_assembled does.
  bool deliver(const Event& ev, const ModelAssembler::Expected& want) {
    FUZZ_CHECK(ev.kind == want.kind);
    switch (ev.kind) {
      case Event::Kind::none: return true;
      case Event::Kind::error:
        FUZZ_CHECK(ev.error == want.error);
        return stop({FrameEvent::Kind::error, static_cast<std::uint16_t>(ev.error), {}});
      case Event::Kind::message:
        FUZZ_CHECK(ev.opcode == want.opcode && ev.data == want.data && ev.compressed == want.compressed);
        FUZZ_CHECK(ev.data.size() <= max_);
        if (ev.compressed) return inflated(ev);
        FUZZ_CHECK(ev.opcode != Opcode::text || reference_utf8(ev.data));
        FUZZ_CHECK(detail::is_valid_utf8(ev.data) == reference_utf8(ev.data));
        result_.events.push_back(
            {FrameEvent::Kind::message, static_cast<std::uint16_t>(ev.opcode), std::string(ev.data)});
        assembler_.release();
        return true;
      case Event::Kind::control: {
        FUZZ_CHECK(ev.opcode == want.opcode && ev.data == want.data);
        FUZZ_CHECK(ev.opcode == Opcode::close || ev.opcode == Opcode::ping || ev.opcode == Opcode::pong);
        FUZZ_CHECK(ev.data.size() <= detail::kMaxControlPayload);
        FUZZ_CHECK(detail::is_valid_utf8(ev.data) == reference_utf8(ev.data));
        result_.events.push_back(
            {FrameEvent::Kind::control, static_cast<std::uint16_t>(ev.opcode), std::string(ev.data)});
        const bool close = ev.opcode == Opcode::close;
        const FrameEvent closing = close ? on_peer_close(ev.data) : FrameEvent{};
        assembler_.release();
        // After a close frame the connection reads no more frames (§5.5.1), valid or not.
        return close ? stop(closing) : true;
      }
    }
    return false;
  }

  // Connection::on_compressed_message: the message inflated, never past max_message_size, its
  // text checked, each outcome held against the reference's.
  bool inflated(const Event& ev) {
    FUZZ_CHECK(deflate_ != Deflate::off);
    const bool keep = deflate_ == Deflate::context_takeover;
    const std::size_t limit = limits_.max_message_size;
    const auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(ev.data.data()), ev.data.size());
    std::string got;
    const Inflater::Result result = inflater_.inflate(bytes, got, limit, keep);
    std::string want;
    const ReferenceInflate::Outcome outcome = reference_.inflate(ev.data, limit, keep, want);
    assembler_.release();
    using Outcome = ReferenceInflate::Outcome;
    switch (result) {
      case Inflater::Result::ok: break;
      case Inflater::Result::too_big:
        FUZZ_CHECK(outcome == Outcome::too_big || outcome == Outcome::too_big_or_error);
        FUZZ_CHECK(inflater_.held() == 0);  // a stream that failed is freed at once
        return stop(
            {FrameEvent::Kind::error, static_cast<std::uint16_t>(ProtocolError::message_too_big), {}});
      case Inflater::Result::error:
        FUZZ_CHECK(outcome == Outcome::error || outcome == Outcome::too_big_or_error);
        FUZZ_CHECK(inflater_.held() == 0);
        return stop(
            {FrameEvent::Kind::error, static_cast<std::uint16_t>(ProtocolError::bad_compressed_data), {}});
    }
    FUZZ_CHECK(outcome == Outcome::ok && got == want && got.size() <= limit);
    const bool valid_text = detail::is_valid_utf8(got);
    FUZZ_CHECK(valid_text == reference_utf8(got));
    if (ev.opcode == Opcode::text && !valid_text)
      return stop({FrameEvent::Kind::error, static_cast<std::uint16_t>(ProtocolError::invalid_utf8), {}});
    result_.events.push_back(
        {FrameEvent::Kind::message, static_cast<std::uint16_t>(ev.opcode), std::move(got)});
    return true;
  }

  // Connection::on_peer_close's reading of a close payload (§5.5.1, §7.4).
  static FrameEvent on_peer_close(std::string_view payload) {
    if (payload.size() == 1)
      return {FrameEvent::Kind::error, static_cast<std::uint16_t>(ProtocolError::close_payload_one_byte), {}};
    if (payload.empty()) return {FrameEvent::Kind::close, close_code::no_status, {}};
    const auto code = static_cast<std::uint16_t>(static_cast<std::uint8_t>(payload[0]) << 8 |
                                                 static_cast<std::uint8_t>(payload[1]));
    if (!detail::is_valid_wire_close_code(code))
      return {FrameEvent::Kind::error, static_cast<std::uint16_t>(ProtocolError::invalid_close_code), {}};
    std::string_view reason = payload.substr(2);
    if (!detail::is_valid_utf8(reason))
      return {FrameEvent::Kind::error, static_cast<std::uint16_t>(ProtocolError::invalid_utf8), {}};
    return {FrameEvent::Kind::close, code, std::string(reason)};
  }

  bool stop(FrameEvent last) {
    result_.events.push_back(std::move(last));
    result_.stopped = true;
    return false;
  }

  Role role_;
  std::size_t max_;
  Deflate deflate_;
  bool general_only_;
  std::span<const std::uint8_t> stream_;  // the bytes as sent, still masked
  FrameParser parser_;
  detail::AssemblyLimits limits_;  // no memory limit: the fuzzer checks the protocol
  MessageAssembler assembler_;
  ModelAssembler model_;
  Inflater inflater_;  // as the connection's own (context takeover) or the endpoint's shared one
  ReferenceInflate reference_;
  std::size_t frame_start_ = 0;     // stream offset of the current frame's first byte
  std::uint64_t frame_offset_ = 0;  // payload bytes of the current frame delivered so far
  RunResult result_;
};

// The limits a stream runs with, from its options byte (bits 0-1): the default first, then small
// ones that short inputs can reach.
inline std::size_t max_message_size_for(std::uint8_t options) {
  constexpr std::size_t kSizes[] = {16 * 1024 * 1024, 0, 125, 1000};
  return kSizes[options & 3];
}

// Bit 2: permessage-deflate negotiated; bit 3: with context takeover for the messages read.
inline Deflate deflate_for(std::uint8_t options) {
  if ((options & 4) == 0) return Deflate::off;
  return (options & 8) != 0 ? Deflate::context_takeover : Deflate::no_context_takeover;
}

inline int fuzz_frames(Role role, const std::uint8_t* data, std::size_t size) {
  StreamInput in;
  if (!parse_stream_input(data, size, in)) return 0;
  const std::size_t max = max_message_size_for(in.options);
  const Deflate deflate = deflate_for(in.options);
  const RunResult engine = FrameRun(role, max, deflate, false, in.stream).run({});
  // Neither the way the bytes are cut into reads nor the parser's fast path may change a thing.
  FUZZ_CHECK(FrameRun(role, max, deflate, true, in.stream).run({}) == engine);
  if (!in.reads.empty()) {
    FUZZ_CHECK(FrameRun(role, max, deflate, false, in.stream).run(in.reads) == engine);
    FUZZ_CHECK(FrameRun(role, max, deflate, true, in.stream).run(in.reads) == engine);
  }
  return 0;
}

}  // namespace sluice::fuzz
