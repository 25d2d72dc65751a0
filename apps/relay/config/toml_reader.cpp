// The typed reads of TableReader. Sizes and durations go through units.hpp, addresses through
// endpoint.hpp; this file only adds the TOML types, the ranges and the positions.
#include "config/toml_reader.hpp"

#include <algorithm>

#include "config/units.hpp"

namespace sluice::relay::detail {
namespace {

// Edit distance, for "did you mean" on unknown keys (keys are short).
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggestion(std::string_view key, std::span<const KeyInfo> known) {
  const KeyInfo* best = nullptr;
  std::size_t best_distance = 3;
  for (const KeyInfo& k : known) {
    const std::size_t d = distance(key, k.name);
    if (d < best_distance) {
      best = &k;
      best_distance = d;
    }
  }
  return best == nullptr ? "" : " (did you mean '" + std::string(best->name) + "'?)";
}

std::string range_text(std::uint64_t min, std::uint64_t max) {
  return "from " + format_size(min) + " to " + format_size(max);
}

}  // namespace

namespace {

// An error is one line, whatever it quotes: a value or key may hold any character, so control
// characters are written as TOML would escape them (\n, \t, \u0001).
std::string one_line(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (char c : message) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7F) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace

void fail_at(const std::string& file, const toml::source_region& where, std::string message) {
  throw ConfigFailure{ConfigError{file, where.begin.line, where.begin.column, one_line(message)}};
}

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

const toml::source_region& TableReader::where(std::string_view key) const {
  const toml::node* node = find(key);
  return node != nullptr ? node->source() : table_.source();
}

void TableReader::check_keys(std::span<const KeyInfo> known) const {
  for (const auto& [key, value] : table_) {
    if (find_key(known, key.str()) != nullptr) continue;
    fail_at(file_, key.source(),
            "unknown key '" + std::string(key.str()) + "' " + section_ + suggestion(key.str(), known));
  }
}

void TableReader::fail(std::string_view key, std::string_view message) const {
  fail_at(file_, where(key), path_ + "." + std::string(key) + ": " + std::string(message));
}

void TableReader::fail(const toml::node& at, std::string_view key, std::string_view message) const {
  fail_at(file_, at.source(), path_ + "." + std::string(key) + ": " + std::string(message));
}

void TableReader::fail_key(std::string_view key, std::string_view message) const {
  for (const auto& [k, value] : table_) {
    if (k.str() == key) fail_at(file_, k.source(), std::string(message));
  }
  fail_table(message);
}

void TableReader::fail_table(std::string_view message) const {
  fail_at(file_, table_.source(), std::string(message));
}

void TableReader::read_bool(std::string_view key, bool& out) const {
  const toml::node* node = find(key);
  if (node == nullptr) return;
  const auto* b = node->as_boolean();
  if (b == nullptr) fail(key, "expected true or false, got " + type_name(*node));
  out = b->get();
}

void TableReader::read_int(std::string_view key, std::int64_t min, std::int64_t max,
                           std::int64_t& out) const {
  const toml::node* node = find(key);
  if (node == nullptr) return;
  const auto* i = node->as_integer();
  if (i == nullptr) fail(key, "expected an integer, got " + type_name(*node));
  if (i->get() < min || i->get() > max) {
    fail(key, "must be from " + std::to_string(min) + " to " + std::to_string(max) + ", not " +
                  std::to_string(i->get()));
  }
  out = i->get();
}

std::uint64_t TableReader::size_value(std::string_view key) const {
  const toml::node& node = *find(key);
  if (const auto* i = node.as_integer()) {
    if (i->get() < 0) fail(key, "must not be negative");
    return static_cast<std::uint64_t>(i->get());
  }
  const auto* s = node.as_string();
  if (s == nullptr)
    fail(key, "expected a size such as \"64KiB\" or a number of bytes, got " + type_name(node));
  const auto parsed = parse_size(s->get());
  if (!parsed.ok()) fail(key, parsed.error());
  return parsed.value();
}

void TableReader::read_size(std::string_view key, std::uint64_t min, std::uint64_t max,
                            std::size_t& out) const {
  if (!has(key)) return;
  const std::uint64_t v = size_value(key);
  if (v < min || v > max) fail(key, "must be " + range_text(min, max) + ", not " + format_size(v));
  out = static_cast<std::size_t>(v);
}

void TableReader::read_size(std::string_view key, std::uint64_t min, std::uint64_t max,
                            std::optional<std::size_t>& out) const {
  if (!has(key)) return;
  std::size_t v = 0;
  read_size(key, min, max, v);
  out = v;
}

void TableReader::read_duration(std::string_view key, std::chrono::milliseconds min,
                                std::chrono::milliseconds max, std::chrono::milliseconds& out) const {
  const toml::node* node = find(key);
  if (node == nullptr) return;
  std::chrono::milliseconds v{0};
  if (const auto* i = node->as_integer()) {
    if (i->get() != 0) {
      fail(key, "a duration needs a unit: write \"" + std::to_string(i->get()) + "s\" or \"" +
                    std::to_string(i->get()) + "ms\"");
    }
  } else if (const auto* s = node->as_string()) {
    const auto parsed = parse_duration(s->get());
    if (!parsed.ok()) fail(key, parsed.error());
    v = parsed.value();
  } else {
    fail(key, "expected a duration such as \"10s\", got " + type_name(*node));
  }
  if (v < min || v > max) {
    fail(key, "must be from " + format_duration(min) + " to " + format_duration(max) + ", not " +
                  format_duration(v));
  }
  out = v;
}

void TableReader::read_string(std::string_view key, std::string& out) const {
  const toml::node* node = find(key);
  if (node == nullptr) return;
  const auto* s = node->as_string();
  if (s == nullptr) fail(key, "expected a string, got " + type_name(*node));
  if (s->get().empty()) fail(key, "must not be empty");
  out = s->get();
}

void TableReader::read_endpoint(std::string_view key, Endpoint& out) const {
  if (!has(key)) return;
  std::string text;
  read_string(key, text);
  auto parsed = parse_endpoint(text);
  if (!parsed.ok()) fail(key, parsed.error());
  out = std::move(parsed.value());
}

}  // namespace sluice::relay::detail
