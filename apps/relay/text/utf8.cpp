// The decoder follows the well-formed byte sequence table of Unicode §3.9 (table 3-7): the
// allowed range of the second byte depends on the first, which rules out overlongs, surrogates
// and code points above U+10FFFF without a separate check.
#include "text/utf8.hpp"

namespace sluice::relay {
namespace {

struct LeadByte {
  std::size_t length;
  unsigned char second_min;
  unsigned char second_max;
  char32_t bits;
};

// length 0: not a lead byte.
LeadByte classify(unsigned char b) {
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF, b & 0x1Fu};
  if (b == 0xE0) return {3, 0xA0, 0xBF, b & 0x0Fu};
  if (b == 0xED) return {3, 0x80, 0x9F, b & 0x0Fu};
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF, b & 0x0Fu};
  if (b == 0xF0) return {4, 0x90, 0xBF, b & 0x07u};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF, b & 0x07u};
  if (b == 0xF4) return {4, 0x80, 0x8F, b & 0x07u};
  return {0, 0, 0, 0};
}

}  // namespace

Utf8Sequence decode_utf8(std::string_view text, std::size_t pos) {
  const auto first = static_cast<unsigned char>(text[pos]);
  if (first < 0x80) return {true, 1, first};
  const LeadByte lead = classify(first);
  if (lead.length == 0) return {false, 1, 0};
  char32_t cp = lead.bits;
  for (std::size_t i = 1; i < lead.length; ++i) {
    if (pos + i >= text.size()) return {false, i, 0};
    const auto b = static_cast<unsigned char>(text[pos + i]);
    const unsigned char min = i == 1 ? lead.second_min : 0x80;
    const unsigned char max = i == 1 ? lead.second_max : 0xBF;
    if (b < min || b > max) return {false, i, 0};
    cp = (cp << 6) | (b & 0x3Fu);
  }
  return {true, lead.length, cp};
}

bool is_valid_utf8(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const Utf8Sequence seq = decode_utf8(text, pos);
    if (!seq.valid) return false;
    pos += seq.length;
  }
  return true;
}

}  // namespace sluice::relay
