// What the loader checks in the text before toml++ reads it. toml++ 3.3 (Debian 12's) reaches
// __builtin_unreachable, which is undefined behaviour, when it asks whether certain non-ASCII
// characters are whitespace; it asks for a character outside strings and comments, for one
// right after a backslash in a multi-line basic string, and for the first one after a
// line-ending backslash there. TOML allows no non-ASCII character in the first two places, and
// the third is refused too (write the character on the backslash's line, or as \uXXXX), so that
// no configuration text can reach it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::relay {

struct TextProblem {
  std::uint32_t line = 0;    // 1-based
  std::uint32_t column = 0;  // 1-based, in characters
  std::string message;
};

std::optional<TextProblem> check_toml_text(std::string_view text);

}  // namespace sluice::relay
