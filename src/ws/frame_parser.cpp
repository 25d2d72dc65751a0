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

Step FrameParser::decode_header(const std::uint8_t* p, std::size_t size, std::size_t& used) {
  used = 0;
  if (size < 2) return {};
  std::size_t need = header_size(p);
  if (size < need) return {};
  used = need;

  FrameHeader h;
  h.fin = (p[0] & 0x80) != 0;
  h.rsv = static_cast<std::uint8_t>((p[0] >> 4) & 0x7);
  std::uint8_t op = p[0] & 0x0F;
  h.masked = (p[1] & 0x80) != 0;
  if (h.rsv != 0) return fail(ProtocolError::reserved_bits);
  if (!FrameHeader::is_known(op)) return fail(ProtocolError::unknown_opcode);
  h.opcode = static_cast<Opcode>(op);
  if (role_ == Role::server && !h.masked) return fail(ProtocolError::unmasked_client_frame);
  if (role_ == Role::client && h.masked) return fail(ProtocolError::masked_server_frame);

  std::uint8_t len7 = p[1] & 0x7F;
  std::size_t pos = 2;
  if (len7 < 126) {
    h.payload_length = len7;
  } else if (len7 == 126) {
    h.payload_length = static_cast<std::uint64_t>(p[2]) << 8 | p[3];
    if (h.payload_length < 126) return fail(ProtocolError::non_minimal_length);
    pos = 4;
  } else {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | p[2 + i];
    if (v >> 63) return fail(ProtocolError::length_high_bit);
    if (v <= 0xFFFF) return fail(ProtocolError::non_minimal_length);
    h.payload_length = v;
    pos = 10;
  }
  if (h.is_control()) {
    if (!h.fin) return fail(ProtocolError::fragmented_control);
    if (h.payload_length > kMaxControlPayload) return fail(ProtocolError::control_too_long);
  }
  if (h.masked) std::memcpy(h.mask.data(), p + pos, 4);

  header_ = h;  // after the last read of partial_, which it overwrites
  offset_ = 0;
  phase_ = Phase::payload;
  return {Step::Kind::header, ProtocolError::none, {}, false};
}

Step FrameParser::next(std::span<std::uint8_t>& input) {
  if (phase_ == Phase::header) {
    std::size_t used = 0;
    Step s;
    if (have_ == 0) {
      s = decode_header(input.data(), input.size(), used);  // common case: parse in place
      if (s.kind == Step::Kind::need_more) {
        if (!input.empty()) std::memcpy(partial_, input.data(), input.size());  // fewer than 14 bytes
        have_ = static_cast<std::uint8_t>(input.size());
        input = input.subspan(input.size());
        return {};
      }
    } else {
      // Top the partial header up to what it needs, then decode it from partial_.
      std::size_t want = have_ < 2 ? 2 : header_size(partial_);
      while (have_ < want && !input.empty()) {
        partial_[have_++] = input[0];
        input = input.subspan(1);
        if (have_ == 2) want = header_size(partial_);
      }
      if (have_ < want) return {};
      s = decode_header(partial_, have_, used);
      have_ = 0;
      used = 0;
    }
    input = input.subspan(used);
    return s;
  }

  std::uint64_t remaining = header_.payload_length - offset_;
  std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, input.size()));
  if (take == 0 && remaining > 0) return {};
  std::span<std::uint8_t> chunk = input.first(take);
  if (header_.masked) apply_mask(chunk.data(), take, header_.mask, static_cast<std::size_t>(offset_ & 3));
  input = input.subspan(take);
  offset_ += take;
  bool end = offset_ == header_.payload_length;
  if (end) phase_ = Phase::header;
  return {Step::Kind::payload, ProtocolError::none, chunk, end};
}

}  // namespace sluice::detail
