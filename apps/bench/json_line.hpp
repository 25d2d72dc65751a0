// JsonLine: builds one flat JSON object on one line, keys in insertion order, for the
// machine-readable result of a scenario (`--json`).
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace sluice::bench {

class JsonLine {
 public:
  JsonLine& add(std::string_view key, std::string_view value);
  JsonLine& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
  JsonLine& add(std::string_view key, double value);  // non-finite values become null
  template <std::integral T>
  JsonLine& add(std::string_view key, T value) {
    if constexpr (std::is_signed_v<T>) {
      return add_signed(key, static_cast<std::int64_t>(value));
    } else {
      return add_unsigned(key, static_cast<std::uint64_t>(value));
    }
  }

  // The object, without a trailing newline.
  std::string str() const { return "{" + body_ + "}"; }

 private:
  JsonLine& add_signed(std::string_view key, std::int64_t value);
  JsonLine& add_unsigned(std::string_view key, std::uint64_t value);
  void key(std::string_view k);
  void append_string(std::string_view s);
  std::string body_;
};

}  // namespace sluice::bench
