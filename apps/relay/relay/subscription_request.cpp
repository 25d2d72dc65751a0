#include "relay/subscription_request.hpp"

#include <algorithm>
#include <charconv>

#include "http/query.hpp"

namespace sluice::relay {

namespace {

constexpr std::string_view kPrefix = "/topics/";

bool add_pattern(SubscriptionRequest& r, std::string_view text, std::string& error) {
  TopicCheck check = check_topic_pattern(text);
  if (check != TopicCheck::ok) {
    error = "topic pattern '" + std::string(text.substr(0, 64)) + "' " + std::string(describe(check));
    return false;
  }
  r.patterns.push_back(*TopicPattern::parse(text));
  return true;
}

std::string key_of(const SubscriptionRequest& r) {
  std::string key = r.format == Format::json ? "json" : "raw";
  for (const TopicPattern& p : r.patterns) {
    key += '\n';  // no topic name holds a control character
    key += p.text();
  }
  return key;
}

}  // namespace

bool SubscriptionRequest::matches(std::string_view topic) const {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const TopicPattern& p) { return p.matches(topic); });
}

std::string_view SubscriptionRequest::single_topic() const {
  if (patterns.size() != 1 || !patterns.front().is_exact()) return {};
  return patterns.front().text();
}

std::optional<std::string> topic_from_path(std::string_view path) {
  if (!path.starts_with(kPrefix)) return std::nullopt;
  return percent_decode(path.substr(kPrefix.size()), false);
}

SubscriptionParse parse_subscription(std::string_view path, std::string_view query) {
  SubscriptionParse out;
  SubscriptionRequest r;
  auto params = parse_query(query);
  if (!params) return {std::nullopt, "malformed %-escape in the query"};
  if (path != "/topics") {
    auto topic = topic_from_path(path);
    if (!topic) return {std::nullopt, "malformed %-escape in the path"};
    if (!add_pattern(r, *topic, out.error)) return out;
  }
  for (const auto& [name, value] : *params) {
    if (name == "topic") {
      if (!add_pattern(r, value, out.error)) return out;
    } else if (name == "format") {
      if (value != "json" && value != "raw") return {std::nullopt, "format must be json or raw"};
      r.format = value == "json" ? Format::json : Format::raw;
    } else if (name == "since") {
      std::uint64_t seq = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seq);
      if (ec != std::errc() || end != value.data() + value.size())
        return {std::nullopt, "since must be a sequence number"};
      r.since = seq;
    } else if (name == "api_key") {
      r.api_key = value;
    } else {
      return {std::nullopt, "unknown query parameter '" + name.substr(0, 32) + "'"};
    }
  }
  if (r.patterns.empty()) return {std::nullopt, "no topic: use /topics/NAME or /topics?topic=NAME"};
  if (r.patterns.size() > max_patterns_per_subscription) return {std::nullopt, "too many topics"};
  std::sort(r.patterns.begin(), r.patterns.end(),
            [](const TopicPattern& a, const TopicPattern& b) { return a.text() < b.text(); });
  r.patterns.erase(std::unique(r.patterns.begin(), r.patterns.end()), r.patterns.end());
  if (r.since && r.single_topic().empty())
    return {std::nullopt, "since resumes one topic: name exactly one, without wildcards"};
  if (r.since && r.format != Format::json)
    return {std::nullopt, "since needs format=json: raw messages carry no sequence numbers"};
  r.key = key_of(r);
  out.request = std::move(r);
  return out;
}

}  // namespace sluice::relay
