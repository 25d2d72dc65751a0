// The process_* collector: /proc parsing on fixed text (a command name with spaces and
// parentheses, kernel threads' short lines, unlimited limits), the derived values, and a live
// read of this test's own process.
#include "metrics/process_metrics.hpp"

#include <gtest/gtest.h>

#include <ctime>

namespace sluice::relay {
namespace {

// Fields 1..24 of a stat line, the command name holding ") (" on purpose.
constexpr std::string_view stat_line =
    "4242 (sl (uice) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 3 0 123456 "
    "104857600 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessMetrics, ParsesStatAfterTheLastParenthesis) {
  const std::optional<ProcStat> stat = parse_proc_stat(stat_line);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->utime_ticks, 250u);
  EXPECT_EQ(stat->stime_ticks, 50u);
  EXPECT_EQ(stat->start_ticks, 123456u);
  EXPECT_EQ(stat->vsize_bytes, 104857600u);
  EXPECT_EQ(stat->rss_pages, 2048);
}

TEST(ProcessMetrics, RejectsShortOrMalformedStat) {
  EXPECT_FALSE(parse_proc_stat("4242 (x) S 1 2 3").has_value());
  EXPECT_FALSE(parse_proc_stat("no parenthesis").has_value());
  EXPECT_FALSE(parse_proc_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 ab 50 0 0 20 0 3 0 1 1 1").has_value());
}

TEST(ProcessMetrics, ParsesBootTimeAndFileLimit) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1733339000\nprocesses 9\n"), 1733339000u);
  EXPECT_FALSE(parse_boot_time("cpu 1\n").has_value());
  const std::string_view limits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max open files            1024                 524288               files     \n";
  EXPECT_EQ(parse_max_open_files(limits), 1024u);
  EXPECT_EQ(
      parse_max_open_files("Max open files            unlimited            unlimited            files\n"),
      UINT64_MAX);
  EXPECT_FALSE(parse_max_open_files("Max processes 10 10\n").has_value());
}

TEST(ProcessMetrics, DerivesValuesAsPrometheusDocuments) {
  const ProcessSample s = process_sample(parse_proc_stat(stat_line), 1733339000, 12, 1024, 100, 4096);
  EXPECT_DOUBLE_EQ(*s.cpu_seconds, 3.0);
  EXPECT_DOUBLE_EQ(*s.start_time_seconds, 1733339000 + 1234.56);
  EXPECT_EQ(*s.resident_memory_bytes, 2048u * 4096);
  EXPECT_EQ(*s.virtual_memory_bytes, 104857600u);

  std::string out;
  append_process_metrics(out, s);
  EXPECT_EQ(out,
            "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
            "# TYPE process_cpu_seconds_total counter\n"
            "process_cpu_seconds_total 3\n"
            "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
            "# TYPE process_start_time_seconds gauge\n"
            "process_start_time_seconds 1733340234.56\n"
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            "# TYPE process_resident_memory_bytes gauge\n"
            "process_resident_memory_bytes 8388608\n"
            "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
            "# TYPE process_virtual_memory_bytes gauge\n"
            "process_virtual_memory_bytes 104857600\n"
            "# HELP process_open_fds Number of open file descriptors.\n"
            "# TYPE process_open_fds gauge\n"
            "process_open_fds 12\n"
            "# HELP process_max_fds Maximum number of open file descriptors.\n"
            "# TYPE process_max_fds gauge\n"
            "process_max_fds 1024\n");
}

TEST(ProcessMetrics, LeavesOutWhatCouldNotBeRead) {
  std::string out;
  append_process_metrics(out, process_sample(std::nullopt, std::nullopt, 3, UINT64_MAX, 100, 4096));
  EXPECT_EQ(out,
            "# HELP process_open_fds Number of open file descriptors.\n"
            "# TYPE process_open_fds gauge\n"
            "process_open_fds 3\n"
            "# HELP process_max_fds Maximum number of open file descriptors.\n"
            "# TYPE process_max_fds gauge\n"
            "process_max_fds +Inf\n");
}

TEST(ProcessMetrics, ParsesTheResidentSetOfStatm) {
  EXPECT_EQ(parse_statm_resident("5000 1234 300 10 0 900 0\n", 4096), 1234u * 4096);
  EXPECT_EQ(parse_statm_resident("5000\n", 4096), std::nullopt);
  const std::optional<std::uint64_t> rss = read_resident_memory_bytes();
  ASSERT_TRUE(rss);
  EXPECT_GT(*rss, 0u);
}

TEST(ProcessMetrics, ReadsThisProcess) {
  const ProcessSample s = read_process_sample();
  ASSERT_TRUE(s.cpu_seconds && s.start_time_seconds && s.resident_memory_bytes && s.open_fds && s.max_fds);
  EXPECT_GT(*s.resident_memory_bytes, 0u);
  EXPECT_GE(*s.open_fds, 3u);  // stdin, stdout, stderr at least
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(*s.start_time_seconds, now + 2);
  EXPECT_GT(*s.start_time_seconds, now - 24 * 3600);
}

}  // namespace
}  // namespace sluice::relay
