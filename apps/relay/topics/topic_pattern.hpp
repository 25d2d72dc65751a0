// Topic names and patterns. A name is '/'-separated levels ("sensors/radio/rssi"); a pattern
// may use whole-level wildcards: '*' matches exactly one level, '**' any number of levels,
// including none, so "sensors/**" matches "sensors", "sensors/a" and "sensors/a/b" (as MQTT's
// "sensors/#" does). Patterns select [[topic]] settings and are what clients subscribe to.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::relay {

inline constexpr std::size_t max_topic_bytes = 256;

enum class TopicCheck : std::uint8_t {
  ok,
  empty,              // ""
  too_long,           // more than max_topic_bytes
  invalid_utf8,       // names travel inside JSON and URLs
  control_character,  // a byte below 0x20, or 0x7F
  empty_level,        // "a//b", "/a", "a/"
  wildcard_in_name,   // '*' anywhere in a concrete name
  partial_wildcard,   // a pattern level like "a*" or "***": wildcards are whole levels only
};

// A sentence fragment for error messages: "has an empty level".
std::string_view describe(TopicCheck check);

// Rules for a concrete topic name, as published to. A valid name is also a valid pattern that
// matches exactly itself.
TopicCheck check_topic_name(std::string_view name);
// Rules for a pattern: a name's rules, except that a level may be exactly "*" or "**".
TopicCheck check_topic_pattern(std::string_view pattern);

// How specific a pattern is, to pick the settings for a topic that several patterns match.
// Greater is more specific: an exact name beats any wildcard pattern; then more literal
// levels win; then fewer '**'; then more '*' (each '*' demands one more level). Patterns that
// compare equal are ordered by the caller (the configuration: first written wins).
struct Specificity {
  bool exact = false;
  std::uint16_t literal_levels = 0;
  std::uint16_t any_depth_wildcards = 0;  // '**'
  std::uint16_t one_level_wildcards = 0;  // '*'

  friend std::strong_ordering operator<=>(const Specificity& a, const Specificity& b);
  friend bool operator==(const Specificity& a, const Specificity& b) = default;
};

// A validated pattern, split into levels once so that matching allocates nothing.
class TopicPattern {
 public:
  // nullopt unless check_topic_pattern(text) == TopicCheck::ok.
  static std::optional<TopicPattern> parse(std::string_view text);

  // Whether the concrete topic `name` matches. `name` is assumed to pass check_topic_name;
  // other input simply does not match (or matches literally). O(levels²) at worst, with
  // several '**'; O(levels) otherwise.
  bool matches(std::string_view name) const;

  const std::string& text() const { return text_; }
  bool is_exact() const { return specificity_.exact; }
  const Specificity& specificity() const { return specificity_; }

  friend bool operator==(const TopicPattern& a, const TopicPattern& b) { return a.text_ == b.text_; }

 private:
  enum class LevelKind : std::uint8_t { literal, one_level, any_depth };
  struct Level {
    LevelKind kind;
    std::uint16_t offset;  // into text_, for literals
    std::uint16_t length;
  };

  TopicPattern() = default;
  bool level_matches(const Level& level, std::string_view name_level) const;

  std::string text_;
  std::vector<Level> levels_;
  Specificity specificity_;
};

}  // namespace sluice::relay
