// Encodes three bytes to four characters at a time into space reserved up front; decodes
// through a 256-entry table in which every byte outside the alphabet is marked invalid.
#include "http/base64.hpp"

#include <array>

namespace sluice::relay {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t invalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(invalid);
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = i;
  return table;
}

constexpr std::array<std::uint8_t, 256> decode_table = make_decode_table();

}  // namespace

void append_base64(std::string& out, std::span<const std::uint8_t> bytes) {
  const std::size_t start = out.size();
  out.resize(start + base64_encoded_size(bytes.size()));
  char* p = out.data() + start;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    *p++ = alphabet[(v >> 18) & 0x3F];
    *p++ = alphabet[(v >> 12) & 0x3F];
    *p++ = alphabet[(v >> 6) & 0x3F];
    *p++ = alphabet[v & 0x3F];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  std::uint32_t v = std::uint32_t{bytes[i]} << 16;
  if (rest == 2) v |= std::uint32_t{bytes[i + 1]} << 8;
  *p++ = alphabet[(v >> 18) & 0x3F];
  *p++ = alphabet[(v >> 12) & 0x3F];
  *p++ = rest == 2 ? alphabet[(v >> 6) & 0x3F] : '=';
  *p++ = '=';
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  append_base64(out, bytes);
  return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 == 0 && !text.empty()) {
    std::size_t pad = 0;
    while (pad < 2 && text[text.size() - 1 - pad] == '=') ++pad;
    text.remove_suffix(pad);
    if (pad > 0 && text.ends_with('=')) return std::nullopt;
  }
  if (text.size() % 4 == 1) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const std::uint8_t v = decode_table[static_cast<unsigned char>(c)];
    if (v == invalid) return std::nullopt;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return std::nullopt;
  return out;
}

}  // namespace sluice::relay
