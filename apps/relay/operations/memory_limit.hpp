// The default memory limit: half of what the machine has, or of what the relay's cgroup may
// use when that is less, so that the resource guard refuses new work well before the kernel's
// OOM killer would act. Parsers are pure, tested on fixed text; read_memory_sizes() reads
// /proc/meminfo, /proc/self/cgroup and the cgroup's memory.max (v2) or
// memory.limit_in_bytes (v1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::relay {

// "MemTotal:  24684096 kB" in /proc/meminfo, in bytes.
std::optional<std::uint64_t> parse_mem_total(std::string_view meminfo);

// Where the memory controller of this process's cgroup lives, from /proc/self/cgroup: the v2
// line "0::/PATH", or the v1 line "N:...memory...:/PATH".
struct CgroupPlace {
  enum class Version : std::uint8_t { v1, v2 };
  Version version = Version::v2;
  std::string path;  // as listed, starting with '/'
};
std::optional<CgroupPlace> parse_cgroup_place(std::string_view proc_self_cgroup);

// A cgroup's limit file: a number of bytes; "max" (v2) or a v1 value of 2^60 or more (its
// "unlimited") is no limit.
std::optional<std::uint64_t> parse_cgroup_limit(std::string_view text);

struct MemorySizes {
  std::optional<std::uint64_t> machine;  // MemTotal
  std::optional<std::uint64_t> cgroup;   // the cgroup's limit, when it has one
};
MemorySizes read_memory_sizes();

// Half of the smaller of the two; 1 GiB when neither is known.
std::uint64_t default_memory_limit(const MemorySizes& sizes);
// Where the default came from, for the startup line: "half of the cgroup's limit of 2.0GiB".
std::string describe_default_memory_limit(const MemorySizes& sizes);

}  // namespace sluice::relay
