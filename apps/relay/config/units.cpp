// Parses and prints sizes and durations: a run of digits, optional spaces, then a unit looked up
// in a small table; every multiplication is checked against overflow.
#include "config/units.hpp"

#include <array>
#include <cstdio>
#include <limits>

namespace sluice::relay {
namespace {

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

constexpr std::array<Unit, 5> size_units{{
    {"B", 1},
    {"KiB", 1ull << 10},
    {"MiB", 1ull << 20},
    {"GiB", 1ull << 30},
    {"TiB", 1ull << 40},
}};

constexpr std::array<Unit, 4> duration_units{{
    {"ms", 1},
    {"s", 1'000},
    {"min", 60'000},
    {"h", 3'600'000},
}};

struct NumberAndUnit {
  std::uint64_t number = 0;
  std::string_view unit;
};

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Splits "<digits>[ ]<unit>"; the unit may be empty.
ParseResult<NumberAndUnit> split(std::string_view text, std::string_view what) {
  if (text.empty()) return ParseResult<NumberAndUnit>::failure(std::string(what) + " must not be empty");
  std::size_t i = 0;
  NumberAndUnit out;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
    if (out.number > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      return ParseResult<NumberAndUnit>::failure(quoted(text) + " is too large");
    }
    out.number = out.number * 10 + digit;
    ++i;
  }
  if (i == 0) {
    return ParseResult<NumberAndUnit>::failure(quoted(text) + " is not a " + std::string(what) +
                                               ": expected a whole number followed by a unit");
  }
  if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
    return ParseResult<NumberAndUnit>::failure(
        quoted(text) + " is not a whole number: use a smaller unit instead of a fraction");
  }
  while (i < text.size() && text[i] == ' ') ++i;
  out.unit = text.substr(i);
  return out;
}

template <std::size_t N>
std::string unit_list(const std::array<Unit, N>& units) {
  std::string list;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) list += i + 1 == N ? " or " : ", ";
    list += units[i].name;
  }
  return list;
}

template <std::size_t N>
const Unit* find_unit(const std::array<Unit, N>& units, std::string_view name) {
  for (const Unit& u : units) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

bool multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  if (b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b) return false;
  out = a * b;
  return true;
}

template <std::size_t N>
std::string format_with(std::uint64_t value, const std::array<Unit, N>& units) {
  const Unit* best = &units[0];
  for (const Unit& u : units) {
    if (value != 0 && value % u.factor == 0) best = &u;
  }
  return std::to_string(value / best->factor) + std::string(best->name);
}

}  // namespace

ParseResult<std::uint64_t> parse_size(std::string_view text) {
  auto parts = split(text, "size");
  if (!parts.ok()) return ParseResult<std::uint64_t>::failure(parts.error());
  const auto [number, unit_name] = parts.value();
  if (unit_name.empty()) return number;
  const Unit* unit = find_unit(size_units, unit_name);
  if (unit == nullptr) {
    return ParseResult<std::uint64_t>::failure("unknown size unit '" + std::string(unit_name) + "' in " +
                                               quoted(text) + " (use " + unit_list(size_units) + ")");
  }
  std::uint64_t bytes = 0;
  if (!multiply(number, unit->factor, bytes)) {
    return ParseResult<std::uint64_t>::failure(quoted(text) + " is too large");
  }
  return bytes;
}

ParseResult<std::chrono::milliseconds> parse_duration(std::string_view text) {
  using Result = ParseResult<std::chrono::milliseconds>;
  auto parts = split(text, "duration");
  if (!parts.ok()) return Result::failure(parts.error());
  const auto [number, unit_name] = parts.value();
  if (unit_name.empty()) {
    if (number == 0) return std::chrono::milliseconds{0};
    return Result::failure(quoted(text) + " needs a unit (" + unit_list(duration_units) + "), e.g. \"" +
                           std::to_string(number) + "s\"");
  }
  if (unit_name == "m") {
    return Result::failure("unit 'm' in " + quoted(text) + " is ambiguous: write 'min' or 'ms'");
  }
  const Unit* unit = find_unit(duration_units, unit_name);
  if (unit == nullptr) {
    return Result::failure("unknown duration unit '" + std::string(unit_name) + "' in " + quoted(text) +
                           " (use " + unit_list(duration_units) + ")");
  }
  std::uint64_t ms = 0;
  constexpr auto max_ms =
      static_cast<std::uint64_t>(std::numeric_limits<std::chrono::milliseconds::rep>::max());
  if (!multiply(number, unit->factor, ms) || ms > max_ms)
    return Result::failure(quoted(text) + " is too large");
  return std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(ms)};
}

std::string format_size(std::uint64_t bytes) { return format_with(bytes, size_units); }

std::string format_size_approx(std::uint64_t bytes) {
  constexpr std::array<std::string_view, 5> names = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < names.size()) {
    value /= 1024;
    ++unit;
  }
  char out[32];
  std::snprintf(out, sizeof out, unit > 0 && value < 100 ? "%.1f%s" : "%.0f%s", value, names[unit].data());
  return out;
}

std::string format_duration(std::chrono::milliseconds duration) {
  if (duration.count() < 0) return std::to_string(duration.count()) + "ms";
  return format_with(static_cast<std::uint64_t>(duration.count()), duration_units);
}

}  // namespace sluice::relay
