// A strict RFC 8259 reader for the fuzz targets that check what the relay answers: whether a
// text is exactly one JSON value (objects, arrays, strings with their escapes, numbers,
// literals), in valid UTF-8. Written plainly and independently of the relay's JsonWriter.
#pragma once

#include <cstddef>
#include <string_view>

#include "fuzz_support.hpp"

namespace sluice::fuzz {

class JsonCheck {
 public:
  // True when `text` is one JSON value, with whitespace around it allowed.
  static bool valid(std::string_view text) {
    if (!reference_utf8(text)) return false;
    JsonCheck j(text);
    j.space();
    if (!j.value(0)) return false;
    j.space();
    return j.at_ == text.size();
  }

 private:
  explicit JsonCheck(std::string_view s) : s_(s) {}

  static constexpr int kMaxDepth = 64;

  bool more() const { return at_ < s_.size(); }
  char peek() const { return more() ? s_[at_] : '\0'; }
  bool eat(char c) {
    if (peek() != c || !more()) return false;
    ++at_;
    return true;
  }
  void space() {
    while (more() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++at_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }
  bool digits() {
    const std::size_t from = at_;
    while (more() && peek() >= '0' && peek() <= '9') ++at_;
    return at_ > from;
  }

  bool value(int depth) {
    if (depth > kMaxDepth) return false;
    switch (peek()) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }
  bool object(int depth) {
    eat('{');
    space();
    if (eat('}')) return true;
    for (;;) {
      space();
      if (!string()) return false;
      space();
      if (!eat(':')) return false;
      space();
      if (!value(depth + 1)) return false;
      space();
      if (eat('}')) return true;
      if (!eat(',')) return false;
    }
  }
  bool array(int depth) {
    eat('[');
    space();
    if (eat(']')) return true;
    for (;;) {
      space();
      if (!value(depth + 1)) return false;
      space();
      if (eat(']')) return true;
      if (!eat(',')) return false;
    }
  }
  bool string() {
    if (!eat('"')) return false;
    while (more()) {
      const auto c = static_cast<unsigned char>(s_[at_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      if (!more()) return false;
      const char e = s_[at_++];
      if (e == 'u') {
        for (int i = 0; i < 4; ++i) {
          const char h = peek();
          if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return false;
          ++at_;
        }
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
        return false;
      }
    }
    return false;
  }
  bool number() {
    eat('-');
    if (eat('0')) {
      if (peek() >= '0' && peek() <= '9') return false;  // no leading zeros
    } else if (!digits()) {
      return false;
    }
    if (eat('.') && !digits()) return false;
    if (peek() == 'e' || peek() == 'E') {
      ++at_;
      if (!eat('+')) eat('-');
      if (!digits()) return false;
    }
    return true;
  }

  std::string_view s_;
  std::size_t at_ = 0;
};

}  // namespace sluice::fuzz
