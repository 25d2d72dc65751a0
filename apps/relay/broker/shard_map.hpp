// ShardMap: which Redis shard a topic lives on. Every node must agree, with no coordination,
// so the choice is a pure function of the topic and the shard count: a 64-bit FNV-1a hash of the
// name, placed by jump consistent hashing (Lamping and Veach, 2014), which moves only 1/(n+1)
// of the topics when a shard is added at the end of the list.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::relay {

std::uint64_t topic_hash(std::string_view topic);
// A bucket in [0, buckets) for `key`; buckets >= 1.
std::uint32_t jump_consistent_hash(std::uint64_t key, std::uint32_t buckets);

inline std::uint32_t shard_of(std::string_view topic, std::uint32_t shards) {
  return jump_consistent_hash(topic_hash(topic), shards);
}

}  // namespace sluice::relay
