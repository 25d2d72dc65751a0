// Sizes and durations as written in the relay's configuration: "256KiB", "1MiB", "512B" or a
// plain number of bytes; "250ms", "10s", "5min", "1h". Binary units only (KiB = 1024 B): "KB"
// and "MB" are refused rather than guessed, as are fractions, signs and overflow.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/parse_result.hpp"

namespace sluice::relay {

// "<digits>[ ]<unit>" with unit B, KiB, MiB, GiB or TiB; bare digits are bytes.
ParseResult<std::uint64_t> parse_size(std::string_view text);

// "<digits>[ ]<unit>" with unit ms, s, min or h. A unit is required, except for "0": a bare
// "10" could mean seconds or milliseconds, and a wrong guess turns a timeout into a hang.
ParseResult<std::chrono::milliseconds> parse_duration(std::string_view text);

// The largest unit that divides the value exactly: 1048576 -> "1MiB", 1000 -> "1000B".
std::string format_size(std::uint64_t bytes);
// For people rather than files: "23.5GiB", "812KiB", "17B" (one decimal under 100).
std::string format_size_approx(std::uint64_t bytes);
// The largest unit that divides the value exactly: 600000 -> "10min", 1500 -> "1500ms".
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace sluice::relay
