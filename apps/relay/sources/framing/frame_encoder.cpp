// One small function per framing, each appending to the caller's buffer; a refusal is decided
// before anything is appended, so the buffer never holds half a frame.
#include "sources/framing/frame_encoder.hpp"

#include <algorithm>

#include "sources/framing/slip_decoder.hpp"

namespace sluice::relay {
namespace {

void append(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

EncodeStatus encode_line(std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out) {
  if (std::find(payload.begin(), payload.end(), '\n') != payload.end()) return EncodeStatus::contains_lf;
  append(out, payload);
  out.push_back('\n');
  return EncodeStatus::ok;
}

EncodeStatus encode_length_prefixed(std::size_t width, std::span<const std::uint8_t> payload,
                                    std::vector<std::uint8_t>& out) {
  const std::uint64_t max = width == 2 ? 0xFFFFu : 0xFFFF'FFFFu;
  if (payload.size() > max) return EncodeStatus::too_long;
  for (std::size_t i = width; i-- > 0;) out.push_back(static_cast<std::uint8_t>(payload.size() >> (8 * i)));
  append(out, payload);
  return EncodeStatus::ok;
}

void encode_slip(std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out) {
  out.push_back(slip::end);
  for (std::uint8_t b : payload) {
    if (b == slip::end) {
      out.push_back(slip::esc);
      out.push_back(slip::esc_end);
    } else if (b == slip::esc) {
      out.push_back(slip::esc);
      out.push_back(slip::esc_esc);
    } else {
      out.push_back(b);
    }
  }
  out.push_back(slip::end);
}

void encode_cobs(std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out) {
  std::size_t code_at = out.size();
  out.push_back(0);
  std::uint8_t code = 1;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    const std::uint8_t b = payload[i];
    if (b != 0) {
      out.push_back(b);
      ++code;
    }
    // A full block at the very end closes the frame as it is (the canonical encoding): no
    // empty block after it.
    const bool more = i + 1 < payload.size();
    if (b == 0 || (code == 0xFF && more)) {
      out[code_at] = code;
      code_at = out.size();
      out.push_back(0);
      code = 1;
    }
  }
  out[code_at] = code;
  out.push_back(0);
}

}  // namespace

std::string_view describe(EncodeStatus status) {
  switch (status) {
    case EncodeStatus::ok: return "ok";
    case EncodeStatus::too_long: return "message too long for the framing's length prefix";
    case EncodeStatus::contains_lf: return "message contains a line feed, which line framing cannot carry";
  }
  return "unknown";
}

std::size_t max_encoded_size(Framing framing, std::size_t n) {
  switch (framing) {
    case Framing::line: return n + 1;
    case Framing::len16: return n + 2;
    case Framing::len32: return n + 4;
    case Framing::slip: return 2 * n + 2;
    case Framing::cobs: return n + n / 254 + 2;
    case Framing::raw:
    case Framing::datagram: return n;
  }
  return n;
}

EncodeStatus encode_frame(Framing framing, std::span<const std::uint8_t> payload,
                          std::vector<std::uint8_t>& out) {
  // Only into an empty buffer: reserving exactly on every append would defeat the vector's
  // geometric growth when a caller packs many frames into one buffer.
  if (out.empty()) out.reserve(max_encoded_size(framing, payload.size()));
  switch (framing) {
    case Framing::line: return encode_line(payload, out);
    case Framing::len16: return encode_length_prefixed(2, payload, out);
    case Framing::len32: return encode_length_prefixed(4, payload, out);
    case Framing::slip: encode_slip(payload, out); return EncodeStatus::ok;
    case Framing::cobs: encode_cobs(payload, out); return EncodeStatus::ok;
    case Framing::raw:
    case Framing::datagram: append(out, payload); return EncodeStatus::ok;
  }
  return EncodeStatus::ok;
}

}  // namespace sluice::relay
