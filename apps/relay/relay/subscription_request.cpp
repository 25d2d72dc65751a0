#include "relay/subscription_request.hpp"

#include <algorithm>
#include <charconv>

#include "http/query.hpp"

namespace sluice::relay {

namespace {

constexpr std::string_view kPrefix = "/topics/";

bool fail(std::string& error, std::string why) {
  error = std::move(why);
  return false;
}

bool add_pattern(SubscriptionRequest& r, std::string_view text, std::string& error) {
  if (TopicCheck check = check_topic_pattern(text); check != TopicCheck::ok)
    return fail(error,
                "topic pattern '" + std::string(text.substr(0, 64)) + "' " + std::string(describe(check)));
  r.patterns.push_back(*TopicPattern::parse(text));
  return true;
}

std::optional<std::uint64_t> parse_seq(std::string_view text) {
  std::uint64_t seq = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return seq;
}

// "SEQ" (bare: the request's one exact topic, filled in once every pattern is known) or
// "TOPIC:SEQ", split at the last ':' (a topic name may hold ':' itself).
bool add_resume_point(std::vector<ResumePoint>& out, std::optional<std::uint64_t>& bare,
                      std::string_view text, std::string& error) {
  if (auto seq = parse_seq(text)) {
    if (bare) return fail(error, "since=SEQ given twice");
    bare = seq;
    return true;
  }
  const std::size_t colon = text.rfind(':');
  auto seq = colon == std::string_view::npos ? std::nullopt : parse_seq(text.substr(colon + 1));
  if (!seq) return fail(error, "since must be SEQ or TOPIC:SEQ, with SEQ a sequence number");
  const std::string_view topic = text.substr(0, colon);
  if (TopicCheck check = check_topic_name(topic); check != TopicCheck::ok)
    return fail(error,
                "since: topic '" + std::string(topic.substr(0, 64)) + "' " + std::string(describe(check)));
  out.push_back({std::string(topic), *seq});
  return true;
}

// The rules that need the whole request: what `since` refers to, and that it can be kept.
bool check_resume(SubscriptionRequest& r, std::optional<std::uint64_t> bare, std::string& error) {
  if (bare) {
    if (r.single_topic().empty())
      return fail(error,
                  "since=SEQ resumes one topic: name exactly one, without wildcards, or use since=TOPIC:SEQ");
    r.resume.push_back({std::string(r.single_topic()), *bare});
  }
  if (r.resume.empty()) return true;
  if (r.format != Format::json)
    return fail(error, "since needs format=json: raw messages carry no sequence numbers");
  if (r.resume.size() > max_resume_points) return fail(error, "since names too many topics");
  std::sort(r.resume.begin(), r.resume.end(),
            [](const ResumePoint& a, const ResumePoint& b) { return a.topic < b.topic; });
  for (std::size_t i = 0; i < r.resume.size(); ++i) {
    const ResumePoint& p = r.resume[i];
    if (i > 0 && r.resume[i - 1].topic == p.topic)
      return fail(error, "since names topic '" + p.topic.substr(0, 64) + "' twice");
    if (!r.matches(p.topic))
      return fail(
          error, "since names topic '" + p.topic.substr(0, 64) + "', which this subscription does not cover");
  }
  return true;
}

bool valid_epoch(std::string_view epoch) {
  if (epoch.size() > max_epoch_bytes) return false;
  return std::all_of(epoch.begin(), epoch.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
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

const ResumePoint* SubscriptionRequest::resume_point(std::string_view topic) const {
  auto it = std::lower_bound(resume.begin(), resume.end(), topic,
                             [](const ResumePoint& p, std::string_view t) { return p.topic < t; });
  return it != resume.end() && it->topic == topic ? &*it : nullptr;
}

std::optional<std::string> topic_from_path(std::string_view path) {
  if (!path.starts_with(kPrefix)) return std::nullopt;
  return percent_decode(path.substr(kPrefix.size()), false);
}

SubscriptionParse parse_subscription(std::string_view path, std::string_view query) {
  SubscriptionParse out;
  SubscriptionRequest r;
  std::optional<std::uint64_t> bare_since;
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
      if (!add_resume_point(r.resume, bare_since, value, out.error)) return out;
    } else if (name == "epoch") {
      if (!valid_epoch(value)) return {std::nullopt, "epoch must be at most 64 letters, digits, '-' or '_'"};
      r.epoch = value;
    } else if (name == "api_key") {
      r.api_key = value;
    } else {
      return {std::nullopt, "unknown query parameter '" + name.substr(0, 32) + "'"};
    }
    if (r.resume.size() > max_resume_points) return {std::nullopt, "since names too many topics"};
  }
  if (r.patterns.empty()) return {std::nullopt, "no topic: use /topics/NAME or /topics?topic=NAME"};
  if (r.patterns.size() > max_patterns_per_subscription) return {std::nullopt, "too many topics"};
  std::sort(r.patterns.begin(), r.patterns.end(),
            [](const TopicPattern& a, const TopicPattern& b) { return a.text() < b.text(); });
  r.patterns.erase(std::unique(r.patterns.begin(), r.patterns.end()), r.patterns.end());
  if (!check_resume(r, bare_since, out.error)) return out;
  r.key = key_of(r);
  out.request = std::move(r);
  return out;
}

}  // namespace sluice::relay
