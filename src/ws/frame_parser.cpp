#include "ws/frame_parser.hpp"

#include <algorithm>
#include <cstring>

#include "ws/mask.hpp"

namespace sluice::detail {
namespace {

using Step = FrameParser::Step;

Step fail(ProtocolError e) { return {Step::Kind::error, e, {}, false}; }

// Bytes the header needs, knowing at least its first two bytes.
std::size_t header_size(const std::uint8_t* p) {
  std::size_t n = 2;
  std::uint8_t len7 = p[1] & 0x7F;
  if (len7 == 126) n += 2;
  if (len7 == 127) n += 8;
  if (p[1] & 0x80) n += 4;
  return n;
}

}  // namespace

std::size_t FrameParser::decode_header(const std::uint8_t* p, std::size_t size, ProtocolError& error) {
  if (size < 2) return 0;
  const std::uint8_t b0 = p[0];
  const std::uint8_t b1 = p[1];
  const std::uint8_t len7 = b1 & 0x7F;
  const bool masked = (b1 & 0x80) != 0;
  const std::size_t pos = len7 < 126 ? 2 : len7 == 126 ? 4 : 10;  // where the mask key starts
  const std::size_t need = pos + (masked ? 4 : 0);
  if (size < need) return 0;

  const std::uint8_t op = b0 & 0x0F;
  const std::uint8_t rsv = static_cast<std::uint8_t>((b0 >> 4) & 0x7);
  if (!rsv_allowed(rsv, allowed_rsv_, static_cast<Opcode>(op)))
    return error = ProtocolError::reserved_bits, need;
  if (!FrameHeader::is_known(op)) return error = ProtocolError::unknown_opcode, need;
  if (mask_bit_ && !masked) return error = ProtocolError::unmasked_client_frame, need;
  if (!mask_bit_ && masked) return error = ProtocolError::masked_server_frame, need;

  FrameHeader h;
  h.fin = (b0 & 0x80) != 0;
  h.rsv = rsv;
  h.opcode = static_cast<Opcode>(op);
  h.masked = masked;
  if (len7 < 126) {
    h.payload_length = len7;
  } else if (len7 == 126) {
    h.payload_length = static_cast<std::uint64_t>(p[2]) << 8 | p[3];
    if (h.payload_length < 126) return error = ProtocolError::non_minimal_length, need;
  } else {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | p[2 + i];
    if (v >> 63) return error = ProtocolError::length_high_bit, need;
    if (v <= 0xFFFF) return error = ProtocolError::non_minimal_length, need;
    h.payload_length = v;
    if (v > UINT32_MAX) return error = ProtocolError::message_too_big, need;
  }
  if (h.is_control()) {
    if (!h.fin) return error = ProtocolError::fragmented_control, need;
    if (h.payload_length > kMaxControlPayload) return error = ProtocolError::control_too_long, need;
  }
  if (masked) std::memcpy(h.mask.data(), p + pos, 4);

  header_ = h;  // after the last read of partial_, which it overwrites
  offset_ = 0;
  phase_ = Phase::payload;
  return need;
}

Step FrameParser::header_in_place(std::span<std::uint8_t>& input) {
  ProtocolError error = ProtocolError::none;
  std::size_t used = decode_header(input.data(), input.size(), error);
  if (used == 0) {  // fewer than 14 bytes: keep them until the rest arrives
    if (!input.empty()) std::memcpy(partial_, input.data(), input.size());
    have_ = static_cast<std::uint8_t>(input.size());
    input = input.subspan(input.size());
    return {};
  }
  input = input.subspan(used);
  if (error != ProtocolError::none) return fail(error);
  return {Step::Kind::header, ProtocolError::none, {}, false};
}

Step FrameParser::next(std::span<std::uint8_t>& input) {
  if (phase_ == Phase::header) {
    if (have_ == 0) return header_in_place(input);  // common case: parse in place
    // Top the partial header up to what it needs, then decode it from partial_.
    std::size_t want = have_ < 2 ? 2 : header_size(partial_);
    while (have_ < want && !input.empty()) {
      partial_[have_++] = input[0];
      input = input.subspan(1);
      if (have_ == 2) want = header_size(partial_);
    }
    if (have_ < want) return {};
    ProtocolError error = ProtocolError::none;
    decode_header(partial_, have_, error);
    have_ = 0;
    if (error != ProtocolError::none) return fail(error);
    return {Step::Kind::header, ProtocolError::none, {}, false};
  }

  std::uint64_t remaining = header_.payload_length - offset_;
  std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, input.size()));
  if (take == 0 && remaining > 0) return {};
  std::span<std::uint8_t> chunk = input.first(take);
  if (header_.masked) apply_mask(chunk.data(), take, header_.mask, static_cast<std::size_t>(offset_ & 3));
  input = input.subspan(take);
  offset_ += static_cast<std::uint32_t>(take);  // a frame is at most 4 GiB (decode_header)
  bool end = offset_ == header_.payload_length;
  if (end) phase_ = Phase::header;
  return {Step::Kind::payload, ProtocolError::none, chunk, end};
}

Step FrameParser::next_frame_general(std::span<std::uint8_t>& input) {
  if (phase_ != Phase::header || have_ != 0) return next(input);
  Step s = header_in_place(input);
  if (s.kind != Step::Kind::header || header_.payload_length > input.size()) return s;
  std::span<std::uint8_t> payload = input.first(static_cast<std::size_t>(header_.payload_length));
  if (header_.masked) apply_mask(payload.data(), payload.size(), header_.mask, 0);
  input = input.subspan(payload.size());
  phase_ = Phase::header;
  return {Step::Kind::frame, ProtocolError::none, payload, true};
}

}  // namespace sluice::detail
