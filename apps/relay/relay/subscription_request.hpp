// SubscriptionRequest: what a subscriber asked for in its URL, checked. The topics come from
// the path (/topics/sensors/radio) or from repeated query parameters (/topics?topic=a&topic=b/*);
// `format=json` asks for envelopes. A client that reconnects resumes where it left off:
// `since=SEQ` after SEQ on its one exact topic, or `since=TOPIC:SEQ` (repeated) per topic it has
// seen, with any patterns; `epoch=E` names the relay run those positions belong to.
//
// Every subscriber with the same set of patterns and format shares one engine topic, named by
// `key`: a published message is encoded once for all of them, and a connection whose patterns
// overlap ("a/*" and "a/**") still receives each message once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "topics/topic_pattern.hpp"

namespace sluice::relay {

enum class Format : std::uint8_t { raw, json };

// Where a client stands in one topic: it has seen everything up to `after`.
struct ResumePoint {
  std::string topic;  // a concrete name that one of the request's patterns matches
  std::uint64_t after = 0;
  friend bool operator==(const ResumePoint&, const ResumePoint&) = default;
};

struct SubscriptionRequest {
  std::vector<TopicPattern> patterns;  // sorted by text, without repeats
  Format format = Format::raw;
  std::vector<ResumePoint> resume;  // at most one per topic, sorted by topic; json only
  std::string epoch;                // the run `resume` refers to; empty: not given
  std::string api_key;              // ?api_key=, for topics that need one (browsers send no headers)
  std::string key;                  // the engine topic its subscribers share

  bool matches(std::string_view topic) const;
  // The topic name when the request is for exactly one concrete topic, else empty.
  std::string_view single_topic() const;
  // The position the client resumes `topic` from, or nullptr: a topic new to it.
  const ResumePoint* resume_point(std::string_view topic) const;
};

inline constexpr std::size_t max_patterns_per_subscription = 64;
inline constexpr std::size_t max_resume_points = 256;
inline constexpr std::size_t max_epoch_bytes = 64;

struct SubscriptionParse {
  std::optional<SubscriptionRequest> request;
  std::string error;  // why the URL was refused (answered 400)
};

// `path` is the request path (starting "/topics"), `query` its query without the '?'.
SubscriptionParse parse_subscription(std::string_view path, std::string_view query);

// The topic named by a path below /topics/ (percent-decoded), or nullopt when it is not one.
std::optional<std::string> topic_from_path(std::string_view path);

}  // namespace sluice::relay
