// UTF-8 decoding one sequence at a time (RFC 3629: no overlongs, no surrogates, nothing above
// U+10FFFF), for validating topic names and for writing JSON strings from arbitrary bytes.
// An invalid sequence reports its "maximal subpart" length (Unicode §3.9), so a caller that
// replaces it with U+FFFD replaces as many characters as browsers do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::relay {

struct Utf8Sequence {
  bool valid = false;
  std::size_t length = 0;   // bytes consumed, at least 1 (valid or not)
  char32_t code_point = 0;  // only when valid
};

// Decodes the sequence starting at text[pos]; pos must be < text.size().
Utf8Sequence decode_utf8(std::string_view text, std::size_t pos);

bool is_valid_utf8(std::string_view text);

}  // namespace sluice::relay
