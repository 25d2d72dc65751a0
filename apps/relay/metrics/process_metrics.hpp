// The standard process_* metrics, as Prometheus' client libraries define them, read from
// /proc at scrape time: CPU seconds and start time from /proc/self/stat (with the boot time
// from /proc/stat), memory from the same line, open descriptors by listing /proc/self/fd, and
// the descriptor limit from /proc/self/limits. The parsers are pure and tested on fixed text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::relay {

// The fields of /proc/PID/stat that the metrics use (proc(5)), in their own units.
struct ProcStat {
  std::uint64_t utime_ticks = 0;  // field 14, clock ticks in user mode
  std::uint64_t stime_ticks = 0;  // field 15, in kernel mode
  std::uint64_t start_ticks = 0;  // field 22, ticks after boot when the process started
  std::uint64_t vsize_bytes = 0;  // field 23
  std::int64_t rss_pages = 0;     // field 24
};

// The command name (field 2) may hold spaces and parentheses, so fields are counted after the
// last ')'. Nothing when the text is not such a line.
std::optional<ProcStat> parse_proc_stat(std::string_view text);
// The "btime" line of /proc/stat: boot time in seconds since the Unix epoch.
std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat);
// The soft limit on the "Max open files" line of /proc/PID/limits; "unlimited" is UINT64_MAX.
std::optional<std::uint64_t> parse_max_open_files(std::string_view limits);

// A field that could not be read stays empty and its metric is left out of the scrape.
struct ProcessSample {
  std::optional<double> cpu_seconds;         // (utime + stime) / CLK_TCK
  std::optional<double> start_time_seconds;  // btime + starttime / CLK_TCK
  std::optional<std::uint64_t> resident_memory_bytes;
  std::optional<std::uint64_t> virtual_memory_bytes;
  std::optional<std::uint64_t> open_fds;
  std::optional<std::uint64_t> max_fds;
};

ProcessSample process_sample(const std::optional<ProcStat>& stat, std::optional<std::uint64_t> boot_time,
                             std::optional<std::uint64_t> open_fds, std::optional<std::uint64_t> max_fds,
                             long clock_ticks_per_second, long page_size);

// The resident set from /proc/self/statm (its second field, in pages).
std::optional<std::uint64_t> parse_statm_resident(std::string_view statm, long page_size);
// One small read: cheap enough for the resource guard's reading every second.
std::optional<std::uint64_t> read_resident_memory_bytes();

// Reads /proc/self and /proc/stat now. A few small reads and one directory listing: cheap
// enough for every scrape, and not for a per-message path.
ProcessSample read_process_sample();

// Appends process_cpu_seconds_total, process_start_time_seconds,
// process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds and
// process_max_fds, each with HELP and TYPE as the Prometheus client libraries write them.
void append_process_metrics(std::string& out, const ProcessSample& sample);

}  // namespace sluice::relay
