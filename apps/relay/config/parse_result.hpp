// ParseResult: a parsed value or the reason the text was refused, for the relay's small parsers
// (sizes, durations, addresses). The message names what was wrong with the text; the config
// loader prefixes it with FILE:LINE:COLUMN and the key.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace sluice::relay {

template <class T>
class ParseResult {
 public:
  ParseResult(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  static ParseResult failure(std::string message) { return ParseResult(std::nullopt, std::move(message)); }

  bool ok() const { return value_.has_value(); }
  // Only when ok().
  const T& value() const { return *value_; }
  T& value() { return *value_; }
  // Only when !ok().
  const std::string& error() const { return error_; }

 private:
  ParseResult(std::nullopt_t, std::string message) : error_(std::move(message)) {}
  std::optional<T> value_;
  std::string error_;
};

}  // namespace sluice::relay
