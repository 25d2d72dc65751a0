#include "broker/shard_map.hpp"

namespace sluice::relay {

std::uint64_t topic_hash(std::string_view topic) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : topic) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// The published algorithm: a linear congruential step per jump, each jump taken with the
// probability that keeps the buckets balanced.
std::uint32_t jump_consistent_hash(std::uint64_t key, std::uint32_t buckets) {
  std::int64_t b = -1, j = 0;
  while (j < static_cast<std::int64_t>(buckets)) {
    b = j;
    key = key * 2862933555777941757ull + 1;
    j = static_cast<std::int64_t>(static_cast<double>(b + 1) *
                                  (static_cast<double>(1ll << 31) / static_cast<double>((key >> 33) + 1)));
  }
  return static_cast<std::uint32_t>(b);
}

}  // namespace sluice::relay
