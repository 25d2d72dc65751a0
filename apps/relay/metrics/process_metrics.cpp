// Reading /proc through plain file reads: each file is small and read whole. The open
// descriptor count leaves out the descriptor the listing itself holds.
#include "metrics/process_metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <limits>

#include "metrics/prometheus_text.hpp"

namespace sluice::relay {
namespace {

std::string_view next_field(std::string_view& text) {
  const std::size_t start = text.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    text = {};
    return {};
  }
  text.remove_prefix(start);
  const std::size_t end = text.find_first_of(" \n");
  const std::string_view field = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  return field;
}

template <class T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc{} || result.ptr != text.data() + text.size() || text.empty())
    return std::nullopt;
  return value;
}

std::optional<std::string> read_file(const char* path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

std::optional<std::uint64_t> count_open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  const int own = dirfd(dir);
  std::uint64_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    const std::optional<int> fd = parse_number<int>(entry->d_name);
    if (fd && *fd != own) ++count;
  }
  closedir(dir);
  return count;
}

template <class T>
void append_metric(PrometheusText& text, std::string_view name, std::string_view help, MetricType type,
                   const std::optional<T>& value) {
  if (!value) return;
  text.family(name, help, type);
  text.sample(name, {}, *value);
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const std::size_t paren = text.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(paren + 1);
  // rest begins at field 3 (state).
  ProcStat stat;
  for (int field = 3; field <= 24; ++field) {
    const std::string_view value = next_field(rest);
    if (value.empty()) return std::nullopt;
    std::optional<std::uint64_t> number;
    switch (field) {
      case 14:
        number = parse_number<std::uint64_t>(value);
        stat.utime_ticks = number.value_or(0);
        break;
      case 15:
        number = parse_number<std::uint64_t>(value);
        stat.stime_ticks = number.value_or(0);
        break;
      case 22:
        number = parse_number<std::uint64_t>(value);
        stat.start_ticks = number.value_or(0);
        break;
      case 23:
        number = parse_number<std::uint64_t>(value);
        stat.vsize_bytes = number.value_or(0);
        break;
      case 24: {
        const std::optional<std::int64_t> pages = parse_number<std::int64_t>(value);
        if (!pages) return std::nullopt;
        stat.rss_pages = *pages;
        continue;
      }
      default: continue;
    }
    if (!number) return std::nullopt;
  }
  return stat;
}

std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat) {
  std::size_t pos = 0;
  while (pos < proc_stat.size()) {
    const std::size_t end = proc_stat.find('\n', pos);
    std::string_view line = proc_stat.substr(pos, end == std::string_view::npos ? end : end - pos);
    if (line.starts_with("btime ")) {
      line.remove_prefix(6);
      return parse_number<std::uint64_t>(next_field(line));
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_max_open_files(std::string_view limits) {
  constexpr std::string_view key = "Max open files";
  const std::size_t at = limits.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = limits.substr(at + key.size());
  const std::string_view soft = next_field(rest);
  if (soft == "unlimited") return UINT64_MAX;
  return parse_number<std::uint64_t>(soft);
}

ProcessSample process_sample(const std::optional<ProcStat>& stat, std::optional<std::uint64_t> boot_time,
                             std::optional<std::uint64_t> open_fds, std::optional<std::uint64_t> max_fds,
                             long clock_ticks_per_second, long page_size) {
  ProcessSample sample;
  sample.open_fds = open_fds;
  sample.max_fds = max_fds;
  if (!stat || clock_ticks_per_second <= 0) return sample;
  const auto ticks = static_cast<double>(clock_ticks_per_second);
  sample.cpu_seconds = static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks;
  if (boot_time)
    sample.start_time_seconds =
        static_cast<double>(*boot_time) + static_cast<double>(stat->start_ticks) / ticks;
  if (page_size > 0 && stat->rss_pages >= 0) {
    sample.resident_memory_bytes =
        static_cast<std::uint64_t>(stat->rss_pages) * static_cast<std::uint64_t>(page_size);
  }
  sample.virtual_memory_bytes = stat->vsize_bytes;
  return sample;
}

std::optional<std::uint64_t> parse_statm_resident(std::string_view statm, long page_size) {
  next_field(statm);  // size
  const std::optional<std::uint64_t> pages = parse_number<std::uint64_t>(next_field(statm));
  if (!pages || page_size <= 0) return std::nullopt;
  return *pages * static_cast<std::uint64_t>(page_size);
}

std::optional<std::uint64_t> read_resident_memory_bytes() {
  const std::optional<std::string> text = read_file("/proc/self/statm");
  return text ? parse_statm_resident(*text, sysconf(_SC_PAGESIZE)) : std::nullopt;
}

ProcessSample read_process_sample() {
  const std::optional<std::string> stat_text = read_file("/proc/self/stat");
  const std::optional<std::string> boot_text = read_file("/proc/stat");
  const std::optional<std::string> limits_text = read_file("/proc/self/limits");
  return process_sample(stat_text ? parse_proc_stat(*stat_text) : std::nullopt,
                        boot_text ? parse_boot_time(*boot_text) : std::nullopt, count_open_fds(),
                        limits_text ? parse_max_open_files(*limits_text) : std::nullopt, sysconf(_SC_CLK_TCK),
                        sysconf(_SC_PAGESIZE));
}

void append_process_metrics(std::string& out, const ProcessSample& sample) {
  PrometheusText text(out);
  append_metric(text, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                MetricType::counter, sample.cpu_seconds);
  append_metric(text, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                MetricType::gauge, sample.start_time_seconds);
  append_metric(text, "process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::gauge,
                sample.resident_memory_bytes);
  append_metric(text, "process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::gauge,
                sample.virtual_memory_bytes);
  append_metric(text, "process_open_fds", "Number of open file descriptors.", MetricType::gauge,
                sample.open_fds);
  // An unlimited soft limit is written as +Inf, as the Go client does.
  std::optional<double> max_fds;
  if (sample.max_fds)
    max_fds = *sample.max_fds == UINT64_MAX ? std::numeric_limits<double>::infinity()
                                            : static_cast<double>(*sample.max_fds);
  append_metric(text, "process_max_fds", "Maximum number of open file descriptors.", MetricType::gauge,
                max_fds);
}

}  // namespace sluice::relay
