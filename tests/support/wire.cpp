// Client frames and the opening handshake request, byte for byte; see wire.hpp.
#include "wire.hpp"

namespace sluice_test {
namespace {

// Non-zero so that a server which forgets to unmask sees garbage, not the payload.
constexpr MaskKey kMask = {0x37, 0xfa, 0x21, 0x3d};

void append_length(std::string& out, std::uint8_t mask_bit, LengthForm form, std::uint64_t len) {
  if (form == LengthForm::minimal)
    form = len < 126 ? LengthForm::minimal : len <= 0xFFFF ? LengthForm::len16 : LengthForm::len64;
  if (form == LengthForm::minimal) {
    out.push_back(static_cast<char>(mask_bit | len));
  } else if (form == LengthForm::len16) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>((len >> 8) & 0xFF));
    out.push_back(static_cast<char>(len & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
  }
}

// The one encoder behind encode_frame() and frame(); takes a view so that frame() copies the
// payload only once, into the output.
std::string encode(const FrameSpec& s, std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 14);
  out.push_back(static_cast<char>((s.fin ? 0x80 : 0) | ((s.rsv & 7) << 4) | (s.opcode & 0x0F)));
  std::uint64_t len = s.declared_length ? *s.declared_length : payload.size();
  append_length(out, s.masked ? 0x80 : 0, s.form, len);
  if (s.masked) out.append(reinterpret_cast<const char*>(kMask.data()), kMask.size());
  std::size_t at = out.size();
  out.append(payload);
  if (s.masked) apply_mask(std::span<char>(out).subspan(at), kMask);
  return out;
}

}  // namespace

void apply_mask(std::span<char> payload, const MaskKey& key) {
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ key[i % 4]);
}

std::string encode_frame(const FrameSpec& spec) { return encode(spec, spec.payload); }

std::string frame(std::uint8_t opcode, std::string_view payload, bool fin) {
  FrameSpec s;
  s.opcode = opcode;
  s.fin = fin;
  return encode(s, payload);
}

std::string close_body(std::uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out.append(reason);
  return out;
}

std::string upgrade_request(std::string_view path, std::string_view extra, std::string_view key) {
  std::string r = "GET ";
  r.append(path);
  r.append(
      " HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: ");
  r.append(key);
  r.append("\r\nSec-WebSocket-Version: 13\r\n");
  r.append(extra);
  r.append("\r\n");
  return r;
}

}  // namespace sluice_test
