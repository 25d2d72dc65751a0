// FrameParser: the incremental frame decoder (RFC 6455 §5.2). No I/O: it is handed whatever
// bytes arrived and yields one step at a time — a validated header, then the payload in
// chunks unmasked in place; or, when a whole frame is there, both in one step. Between reads it
// keeps only the unfinished header bytes and the count of payload bytes still due, so a
// connection's idle parser owns no heap memory.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "ws/frame_header.hpp"
#include "ws/mask.hpp"
#include "ws/protocol_error.hpp"

namespace sluice::detail {

class FrameParser {
 public:
  struct Step {
    // frame: a whole frame at once (next_frame only): header() and its whole payload.
    enum class Kind : std::uint8_t { need_more, header, payload, frame, error };
    Kind kind = Kind::need_more;
    ProtocolError error = ProtocolError::none;
    std::span<std::uint8_t> payload;  // payload, frame: unmasked bytes, in the caller's buffer
    bool frame_end = false;           // payload: this chunk ends the frame; frame: always
  };

  explicit FrameParser(Role role) : header_(), mask_bit_(role == Role::server ? 0x80 : 0) {}

  // The RSV bits an extension negotiated (rsv_bit::compressed for permessage-deflate); any
  // other reserved bit set fails the connection (RFC 6455 §5.2).
  void allow_rsv(std::uint8_t bits) { allowed_rsv_ = bits; }
  std::uint8_t allowed_rsv() const { return allowed_rsv_; }

  // Consumes a prefix of `input` and advances it. A zero-length frame yields its (empty)
  // payload step even when `input` is empty.
  Step next(std::span<std::uint8_t>& input);
  // Like next(), but a frame that is wholly in `input` comes as one Kind::frame step: the
  // common case (a small message in one read) costs one call instead of three.
  inline Step next_frame(std::span<std::uint8_t>& input);
  const FrameHeader& header() const { return header_; }
  bool in_frame() const { return phase_ == Phase::payload || have_ > 0; }

 private:
  enum class Phase : std::uint8_t { header, payload };
  // Decodes a header from `p` once all of it is there: returns its size (0 while incomplete)
  // and sets `error` if it breaks a rule; a valid header moves the parser to its payload.
  std::size_t decode_header(const std::uint8_t* p, std::size_t size, ProtocolError& error);
  Step header_in_place(std::span<std::uint8_t>& input);
  Step next_frame_general(std::span<std::uint8_t>& input);
  // Yields the frame at the start of `input`, known to be final text or binary and whole.
  inline Step whole_frame(std::span<std::uint8_t>& input, std::size_t key_at, std::size_t length);

  // A partial header is only ever held between frames, so it shares storage with the header
  // of the frame in progress.
  union {
    FrameHeader header_;
    std::uint8_t partial_[kMaxHeaderSize];
  };
  // Payload bytes already delivered; also the mask phase. A frame declaring more than 4 GiB is
  // refused (no message may be that large: max_message_size is clamped below it).
  std::uint32_t offset_ = 0;
  std::uint8_t mask_bit_;         // what the MASK bit must be in frames this end receives: the role
  std::uint8_t allowed_rsv_ = 0;  // RSV bits (as header_.rsv holds them) an extension negotiated
  Phase phase_ = Phase::header;
  std::uint8_t have_ = 0;  // header bytes held in partial_
};

inline FrameParser::Step FrameParser::whole_frame(std::span<std::uint8_t>& input, std::size_t key_at,
                                                  std::size_t length) {
  const std::uint8_t* p = input.data();
  const std::size_t header = key_at + (mask_bit_ ? 4 : 0);
  header_.payload_length = length;
  header_.fin = true;
  header_.rsv = 0;
  header_.opcode = static_cast<Opcode>(p[0] & 0x0F);
  header_.masked = mask_bit_ != 0;
  std::span<std::uint8_t> payload(input.data() + header, length);
  if (mask_bit_) {
    std::memcpy(header_.mask.data(), p + key_at, 4);
    apply_mask(payload.data(), length, header_.mask, 0);
  }
  input = std::span<std::uint8_t>(input.data() + header + length, input.size() - header - length);
  return {Step::Kind::frame, ProtocolError::none, payload, true};
}

inline FrameParser::Step FrameParser::next_frame(std::span<std::uint8_t>& input) {
  // The common case, decoded here in a few comparisons: a final text or binary frame with a 7-
  // or 16-bit length, masked as this end requires, wholly in `input`. Anything else (control
  // frames, fragments, 64-bit lengths, a split frame, any error) takes the general path.
  if (phase_ == Phase::header && have_ == 0 && input.size() >= 2 &&
      static_cast<std::uint8_t>(input[0] - 0x81) < 2) {
    const std::uint8_t len7 = static_cast<std::uint8_t>(input[1] - mask_bit_);  // 128+ if MASK is wrong
    const std::size_t key_size = mask_bit_ ? 4 : 0;
    if (len7 < 126) {
      if (2 + key_size + len7 <= input.size()) return whole_frame(input, 2, len7);
    } else if (len7 == 126 && input.size() >= 4) {
      const std::size_t length = static_cast<std::size_t>(input[2]) << 8 | input[3];
      // (A length under 126 must use the 7-bit form: the general path rejects it.)
      if (length >= 126 && 4 + key_size + length <= input.size()) return whole_frame(input, 4, length);
    }
  }
  // Through a copy: were `input` itself passed out of line, the caller's loop would keep it in
  // memory instead of registers on the fast path too.
  std::span<std::uint8_t> rest = input;
  const Step step = next_frame_general(rest);
  input = rest;
  return step;
}

}  // namespace sluice::detail
