// JsonWriter: appends compact JSON (RFC 8259) to a caller's string, for envelopes and HTTP API
// replies. Strings come from untrusted bytes, so it always emits valid UTF-8: control
// characters are escaped, and each ill-formed UTF-8 sequence becomes one U+FFFD.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace sluice::relay {

// Appends `text` as a quoted JSON string: '"', '\\' and bytes below 0x20 are escaped (\n, \t,
// ... or \u00XX), as is 0x7F; invalid UTF-8 is replaced, one U+FFFD per maximal subpart.
void append_json_string(std::string& out, std::string_view text);

// The writer places commas and colons; the caller keeps the structure right (a key() before
// each value inside an object, none inside an array). It holds no state besides one flag, so
// it is cheap to create for every message.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(bool b);
  JsonWriter& value(double d);  // shortest round-trip form; NaN and infinities become null
  template <std::integral T>
  requires(!std::same_as<T, bool>) JsonWriter& value(T n) {
    if constexpr (std::is_signed_v<T>) {
      return signed_value(static_cast<std::int64_t>(n));
    } else {
      return unsigned_value(static_cast<std::uint64_t>(n));
    }
  }
  JsonWriter& null();
  // A string holding the base64 encoding of `bytes`, written straight into the output.
  JsonWriter& base64_value(std::span<const std::uint8_t> bytes);
  // Already-encoded JSON, inserted as one value.
  JsonWriter& raw_value(std::string_view json);

 private:
  JsonWriter& signed_value(std::int64_t n);
  JsonWriter& unsigned_value(std::uint64_t n);
  void before_value();

  std::string& out_;
  // Whether the next key or array element needs a ',' first.
  bool after_value_ = false;
};

}  // namespace sluice::relay
