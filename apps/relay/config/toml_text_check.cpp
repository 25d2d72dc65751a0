// One pass over the bytes with the lexical states of TOML 1.0 that matter here: outside any
// string, a comment, and the four kinds of string; outside strings, whether a key or a value is
// being read, since a quote after a dot starts a string in a dotted key but not in a value
// (toml++ reads `88."x"` as one bad value).
#include "config/toml_text_check.hpp"

#include <cstdio>
#include <string>

namespace sluice::relay {
namespace {

enum class State : std::uint8_t { outside, comment, basic, literal, multi_basic, multi_literal };

class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  std::optional<TextProblem> run() {
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      switch (state_) {
        case State::outside:
          if (c >= 0x80) return problem("a non-ASCII character outside a string or comment");
          outside(static_cast<char>(c));
          break;
        case State::comment:
          if (c == '\n') end_line();
          break;
        case State::basic:
          if (c == '\\') {
            advance();  // the escaped character, whatever it is: toml++ reports a bad one
          } else if (c == '"') {
            state_ = State::outside;
          } else if (c == '\n') {
            end_line();
          }
          break;
        case State::literal:
          if (c == '\'') state_ = State::outside;
          if (c == '\n') end_line();
          break;
        case State::multi_basic:
          if (c == '\\') {
            if (auto p = after_backslash()) return p;
            continue;
          }
          if (c == '"' && closes('"')) continue;
          break;
        case State::multi_literal:
          if (c == '\'' && closes('\'')) continue;
          break;
      }
      advance();
    }
    return std::nullopt;
  }

 private:
  // Outside strings and comments. A bare value (a number, a date, a word) runs to a space, a
  // comma, a closing bracket or a comment, and nothing inside it starts a string, an array or a
  // table: toml++ reads `2"x`, `88."x"` and `8"a"b["x"` each as one bad value, on into what
  // follows.
  void outside(char c) {
    if (in_bare_ && std::string_view(" \t\r\n,]}#").find(c) != std::string_view::npos) in_bare_ = false;
    if (in_bare_) return;
    if (c == '#') {
      state_ = State::comment;
      return;
    }
    structure(c);
    // A quote starts a string only where one may start.
    if (c == '"' && string_may_start()) state_ = opens_multi_line('"') ? State::multi_basic : State::basic;
    if (c == '\'' && string_may_start())
      state_ = opens_multi_line('\'') ? State::multi_literal : State::literal;
    if (!in_key_ && std::string_view(" \t\r\n,[]{}=\"'").find(c) == std::string_view::npos) in_bare_ = true;
    if (c != ' ' && c != '\t' && c != '\r') last_ = c;
  }

  void end_line() {
    state_ = State::outside;
    last_ = '\n';
    structure('\n');
  }

  // Keeps track of what is open (arrays, inline tables) and whether a key is being read.
  void structure(char c) {
    switch (c) {
      case '=': in_key_ = false; break;
      case '{':
        open_.push_back('{');
        in_key_ = true;
        break;
      case '[':
        // At the start of a line outside any value: a table header, whose name is a key.
        if (open_.empty() && in_key_) break;
        open_.push_back('[');
        in_key_ = false;
        break;
      case ']':
      case '}':
        if (!open_.empty()) open_.pop_back();
        in_key_ = false;
        break;
      case ',': in_key_ = !open_.empty() && open_.back() == '{'; break;
      case '\n':
        if (open_.empty()) in_key_ = true;
        break;
      default: break;
    }
  }

  // After the start of a line, '=', '[', ',' or '{' (keys, values, array and table items), or
  // a '.' within a key.
  bool string_may_start() const {
    if (last_ == '.') return in_key_;
    return std::string_view("\n=[,{").find(last_) != std::string_view::npos;
  }

  bool at(std::size_t k, char c) const { return i_ + k < s_.size() && s_[i_ + k] == c; }
  bool is_ascii_space(std::size_t k) const { return at(k, ' ') || at(k, '\t') || at(k, '\r') || at(k, '\n'); }

  // A run of three quotes opens a multi-line string; the cursor moves past the first two.
  bool opens_multi_line(char q) {
    if (!at(1, q) || !at(2, q)) return false;
    advance();
    advance();
    return true;
  }

  // Three quotes close a multi-line string (up to two more before them are content).
  bool closes(char q) {
    if (!at(1, q) || !at(2, q)) return false;
    std::size_t n = 3;
    while (n < 5 && at(n, q)) ++n;
    for (std::size_t k = 0; k < n; ++k) advance();
    state_ = State::outside;
    return true;
  }

  // At a backslash in a multi-line basic string: leaves the cursor after the escape.
  std::optional<TextProblem> after_backslash() {
    advance();
    if (i_ >= s_.size()) return std::nullopt;
    if (static_cast<unsigned char>(s_[i_]) >= 0x80) return problem("a non-ASCII character after a backslash");
    if (!is_ascii_space(0)) {
      advance();  // an escape such as \n or \u00E9
      return std::nullopt;
    }
    while (i_ < s_.size() && is_ascii_space(0)) advance();  // a line-ending backslash: trimmed
    if (i_ < s_.size() && static_cast<unsigned char>(s_[i_]) >= 0x80)
      return problem(
          "a non-ASCII character first after a line-ending backslash: write it on the backslash's line, or "
          "as "
          "\\uXXXX");
    return std::nullopt;
  }

  void advance() {
    if (i_ >= s_.size()) return;  // a backslash at the very end has no escaped character
    const auto c = static_cast<unsigned char>(s_[i_]);
    ++i_;
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((c & 0xC0) != 0x80) {  // a continuation byte is part of the character before
      ++column_;
    }
  }

  TextProblem problem(const char* what) const {
    // The code point, for a message that names the character without printing it.
    const auto b = [&](std::size_t k) {
      return static_cast<unsigned char>(i_ + k < s_.size() ? s_[i_ + k] : 0);
    };
    std::uint32_t cp = b(0);
    if ((cp & 0xE0) == 0xC0)
      cp = (cp & 0x1F) << 6 | (b(1) & 0x3F);
    else if ((cp & 0xF0) == 0xE0)
      cp = (cp & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
    else if ((cp & 0xF8) == 0xF0)
      cp = (cp & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
    char code[16];
    std::snprintf(code, sizeof code, " (U+%04X)", static_cast<unsigned>(cp));
    return {line_, column_, std::string(what) + code};
  }

  std::string_view s_;
  std::size_t i_ = 0;
  State state_ = State::outside;
  char last_ = '\n';  // the last character outside strings and comments, spaces aside
  std::string open_;  // the arrays ('[') and inline tables ('{') open, innermost last
  bool in_key_ = true;
  bool in_bare_ = false;  // within a bare value
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
};

}  // namespace

std::optional<TextProblem> check_toml_text(std::string_view text) { return Scanner(text).run(); }

}  // namespace sluice::relay
