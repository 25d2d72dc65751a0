// RedisKeys: the names a topic has in Redis, all under the configured prefix:
//
//   PREFIX:epoch          one per shard: names the shard's data; a Redis that lost its data
//                         has none, and the next relay to reach it writes a new one
//   PREFIX:seq:TOPIC      hash: field "s" is the topic's last sequence number
//   PREFIX:log:TOPIC      stream: the topic's history, entry ID SEQ-0
//   PREFIX:msg:TOPIC      the PUB/SUB channel its messages are published on
//   PREFIX:probe:NODE     the channel each relay proves its subscription alive with
//
// A subscription pattern becomes a channel glob that matches at least every topic the pattern
// does (the relay filters exactly with its own matcher): the literal levels up to the first
// wildcard, then '*'. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "topics/topic_pattern.hpp"

namespace sluice::relay {

class RedisKeys {
 public:
  explicit RedisKeys(std::string prefix) : prefix_(std::move(prefix)) {}

  std::string epoch() const { return prefix_ + ":epoch"; }
  std::string meta(std::string_view topic) const { return prefix_ + ":seq:" + std::string(topic); }
  std::string log(std::string_view topic) const { return prefix_ + ":log:" + std::string(topic); }
  std::string channel(std::string_view topic) const { return prefix_ + ":msg:" + std::string(topic); }
  std::string probe(std::string_view node) const { return prefix_ + ":probe:" + std::string(node); }

  // The topic a message channel names, or empty when it is not one of ours.
  std::string_view topic_of(std::string_view channel) const;

  // For an exact pattern: the channel (SUBSCRIBE). Otherwise a glob for PSUBSCRIBE.
  std::string subscription(const TopicPattern& pattern) const;
  static bool is_glob(const TopicPattern& pattern) { return !pattern.is_exact(); }

 private:
  std::string prefix_;
};

// `text` with Redis's glob characters (* ? [ ] \) escaped by a backslash.
std::string escape_glob(std::string_view text);

}  // namespace sluice::relay
