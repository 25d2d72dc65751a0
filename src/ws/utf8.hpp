// Utf8Validator: incremental UTF-8 validation (RFC 3629) that fails at the first byte that
// cannot start or continue a valid sequence, so a text message split across frames and reads
// is rejected as early as the bytes allow (RFC 6455 §8.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::detail {

class Utf8Validator {
 public:
  // False as soon as the bytes seen so far cannot be the prefix of valid UTF-8.
  bool feed(const std::uint8_t* data, std::size_t size);
  // True when the bytes fed so far end on a character boundary.
  bool complete() const { return state_ == kAccept; }
  void reset() { state_ = kAccept; }

 private:
  static constexpr std::uint8_t kAccept = 0;
  std::uint8_t state_ = kAccept;
};

bool is_valid_utf8(std::string_view s);

}  // namespace sluice::detail
