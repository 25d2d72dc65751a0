// Validation walks the text once, level by level. Matching treats levels as the characters of
// a glob ('*' is one of any, '**' a run of any) and uses the classic greedy algorithm with one
// backtrack point: it never recurses, so a pattern with many '**' cannot blow the stack.
#include "topics/topic_pattern.hpp"

#include "text/utf8.hpp"

namespace sluice::relay {
namespace {

enum class Mode : std::uint8_t { name, pattern };

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

TopicCheck check_level(std::string_view level, Mode mode) {
  if (level.empty()) return TopicCheck::empty_level;
  if (level.find('*') == std::string_view::npos) return TopicCheck::ok;
  if (mode == Mode::name) return TopicCheck::wildcard_in_name;
  if (level == "*" || level == "**") return TopicCheck::ok;
  return TopicCheck::partial_wildcard;
}

TopicCheck check(std::string_view text, Mode mode) {
  if (text.empty()) return TopicCheck::empty;
  if (text.size() > max_topic_bytes) return TopicCheck::too_long;
  for (unsigned char c : text) {
    if (is_control(c)) return TopicCheck::control_character;
  }
  if (!is_valid_utf8(text)) return TopicCheck::invalid_utf8;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = text.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? text.size() : slash;
    const TopicCheck level = check_level(text.substr(start, end - start), mode);
    if (level != TopicCheck::ok) return level;
    if (slash == std::string_view::npos) return TopicCheck::ok;
    start = slash + 1;
  }
}

// Steps through the levels of a name without allocating. A position past the end means the
// name is exhausted (a name with n levels has n + 1 positions, the last being size() + 1).
struct NameCursor {
  std::string_view name;

  bool at_end(std::size_t pos) const { return pos > name.size(); }
  std::size_t level_end(std::size_t pos) const {
    const std::size_t slash = name.find('/', pos);
    return slash == std::string_view::npos ? name.size() : slash;
  }
  std::string_view level(std::size_t pos) const { return name.substr(pos, level_end(pos) - pos); }
  std::size_t next(std::size_t pos) const { return level_end(pos) + 1; }
};

}  // namespace

std::string_view describe(TopicCheck check) {
  switch (check) {
    case TopicCheck::ok: return "is valid";
    case TopicCheck::empty: return "is empty";
    case TopicCheck::too_long: return "is longer than 256 bytes";
    case TopicCheck::invalid_utf8: return "is not valid UTF-8";
    case TopicCheck::control_character: return "contains a control character";
    case TopicCheck::empty_level: return "has an empty level (a leading, trailing or doubled '/')";
    case TopicCheck::wildcard_in_name: return "contains '*', which only patterns may use";
    case TopicCheck::partial_wildcard:
      return "uses '*' inside a level: wildcards are whole levels, '*' or '**'";
  }
  return "is invalid";
}

TopicCheck check_topic_name(std::string_view name) { return check(name, Mode::name); }
TopicCheck check_topic_pattern(std::string_view pattern) { return check(pattern, Mode::pattern); }

std::strong_ordering operator<=>(const Specificity& a, const Specificity& b) {
  if (auto c = a.exact <=> b.exact; c != 0) return c;
  if (auto c = a.literal_levels <=> b.literal_levels; c != 0) return c;
  if (auto c = b.any_depth_wildcards <=> a.any_depth_wildcards; c != 0) return c;
  return a.one_level_wildcards <=> b.one_level_wildcards;
}

std::optional<TopicPattern> TopicPattern::parse(std::string_view text) {
  if (check_topic_pattern(text) != TopicCheck::ok) return std::nullopt;
  TopicPattern p;
  p.text_ = std::string(text);
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = text.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? text.size() : slash;
    const std::string_view level = text.substr(start, end - start);
    Level l{LevelKind::literal, static_cast<std::uint16_t>(start), static_cast<std::uint16_t>(end - start)};
    if (level == "*") {
      l.kind = LevelKind::one_level;
      ++p.specificity_.one_level_wildcards;
    } else if (level == "**") {
      l.kind = LevelKind::any_depth;
      ++p.specificity_.any_depth_wildcards;
    } else {
      ++p.specificity_.literal_levels;
    }
    p.levels_.push_back(l);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  p.specificity_.exact = p.specificity_.one_level_wildcards == 0 && p.specificity_.any_depth_wildcards == 0;
  return p;
}

bool TopicPattern::level_matches(const Level& level, std::string_view name_level) const {
  if (level.kind == LevelKind::one_level) return true;
  return std::string_view(text_).substr(level.offset, level.length) == name_level;
}

bool TopicPattern::matches(std::string_view name) const {
  if (specificity_.exact) return name == text_;
  const NameCursor cursor{name};
  const std::size_t n = levels_.size();
  std::size_t p = 0;
  std::size_t pos = 0;
  // The last '**' seen and the name position it has consumed up to: on a mismatch, let it
  // swallow one more level and retry from just after it.
  std::size_t star_p = n;
  std::size_t star_pos = 0;
  while (!cursor.at_end(pos)) {
    if (p < n && levels_[p].kind == LevelKind::any_depth) {
      star_p = p++;
      star_pos = pos;
    } else if (p < n && level_matches(levels_[p], cursor.level(pos))) {
      ++p;
      pos = cursor.next(pos);
    } else if (star_p < n) {
      p = star_p + 1;
      star_pos = cursor.next(star_pos);
      pos = star_pos;
    } else {
      return false;
    }
  }
  while (p < n && levels_[p].kind == LevelKind::any_depth) ++p;
  return p == n;
}

}  // namespace sluice::relay
