// Reading the machine's and the cgroup's memory: small files read whole, at startup only.
#include "operations/memory_limit.hpp"

#include <charconv>
#include <fstream>
#include <iterator>

#include "config/units.hpp"

namespace sluice::relay {
namespace {

constexpr std::uint64_t kUnlimitedV1 = 1ull << 60;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

template <class Fn>
void for_each_line(std::string_view text, Fn fn) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    if (!fn(text.substr(0, end))) return;
    if (end == std::string_view::npos) return;
    text.remove_prefix(end + 1);
  }
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool lists_memory(std::string_view controllers) {
  while (!controllers.empty()) {
    const std::size_t comma = controllers.find(',');
    if (controllers.substr(0, comma) == "memory") return true;
    if (comma == std::string_view::npos) break;
    controllers.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::optional<std::uint64_t> parse_mem_total(std::string_view meminfo) {
  std::optional<std::uint64_t> out;
  for_each_line(meminfo, [&](std::string_view line) {
    if (!line.starts_with("MemTotal:")) return true;
    std::string_view value = trim(line.substr(9));
    if (!value.ends_with("kB")) return false;
    if (auto kb = number(trim(value.substr(0, value.size() - 2)))) out = *kb * 1024;
    return false;
  });
  return out;
}

std::optional<CgroupPlace> parse_cgroup_place(std::string_view proc_self_cgroup) {
  std::optional<CgroupPlace> v1, v2;
  for_each_line(proc_self_cgroup, [&](std::string_view line) {
    const std::size_t first = line.find(':');
    const std::size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) return true;
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const std::string_view path = line.substr(second + 1);
    if (!path.starts_with('/')) return true;
    if (line.substr(0, first) == "0" && controllers.empty()) {
      v2 = CgroupPlace{CgroupPlace::Version::v2, std::string(path)};
    } else if (lists_memory(controllers)) {
      v1 = CgroupPlace{CgroupPlace::Version::v1, std::string(path)};
    }
    return true;
  });
  // A hybrid system lists both; the memory controller is where v1 says it is.
  return v1 ? v1 : v2;
}

std::optional<std::uint64_t> parse_cgroup_limit(std::string_view text) {
  text = trim(text);
  if (text == "max") return std::nullopt;
  const std::optional<std::uint64_t> v = number(text);
  if (!v || *v >= kUnlimitedV1) return std::nullopt;
  return v;
}

MemorySizes read_memory_sizes() {
  MemorySizes sizes;
  if (auto meminfo = read_text("/proc/meminfo")) sizes.machine = parse_mem_total(*meminfo);
  const std::optional<std::string> cgroup = read_text("/proc/self/cgroup");
  const std::optional<CgroupPlace> place = cgroup ? parse_cgroup_place(*cgroup) : std::nullopt;
  if (!place) return sizes;
  const std::string file = place->version == CgroupPlace::Version::v2
                               ? "/sys/fs/cgroup" + place->path + "/memory.max"
                               : "/sys/fs/cgroup/memory" + place->path + "/memory.limit_in_bytes";
  if (auto limit = read_text(file)) sizes.cgroup = parse_cgroup_limit(*limit);
  return sizes;
}

std::uint64_t default_memory_limit(const MemorySizes& sizes) {
  std::optional<std::uint64_t> least = sizes.machine;
  if (sizes.cgroup && (!least || *sizes.cgroup < *least)) least = sizes.cgroup;
  return least ? *least / 2 : 1ull << 30;
}

std::string describe_default_memory_limit(const MemorySizes& sizes) {
  const bool cgroup_less = sizes.cgroup && (!sizes.machine || *sizes.cgroup < *sizes.machine);
  if (cgroup_less) return "half of the cgroup's limit of " + format_size_approx(*sizes.cgroup);
  if (sizes.machine) return "half of the machine's " + format_size_approx(*sizes.machine);
  return "1GiB: the machine's memory is unknown";
}

}  // namespace sluice::relay
