#include "broker/redis_keys.hpp"

namespace sluice::relay {

std::string escape_glob(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string_view RedisKeys::topic_of(std::string_view channel) const {
  const std::string_view marker = ":msg:";
  if (!channel.starts_with(prefix_) || channel.substr(prefix_.size()).substr(0, marker.size()) != marker)
    return {};
  return channel.substr(prefix_.size() + marker.size());
}

std::string RedisKeys::subscription(const TopicPattern& pattern) const {
  if (pattern.is_exact()) return channel(pattern.text());
  // The literal levels before the first wildcard; "a/b/**" also matches "a/b" itself, so the
  // glob continues right after the literal text, without the '/'.
  std::string_view text = pattern.text();
  std::string literal;
  while (!text.empty()) {
    const std::size_t slash = text.find('/');
    const std::string_view level = text.substr(0, slash);
    if (level == "*" || level == "**") break;
    if (!literal.empty()) literal += '/';
    literal += level;
    text = slash == std::string_view::npos ? std::string_view{} : text.substr(slash + 1);
  }
  return escape_glob(prefix_ + ":msg:" + literal) + "*";
}

}  // namespace sluice::relay
