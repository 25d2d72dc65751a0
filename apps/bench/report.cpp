// Report: formatting only; the scenarios decide what goes in.
#include "report.hpp"

#include <cstdio>

namespace sluice::bench {

namespace {
double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

std::string format(const char* fmt, double a, double b, double c, double d) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, a, b, c, d);
  return buf;
}
}  // namespace

Report::Report(std::string scenario) { json_.add("scenario", scenario); }

void Report::add_latency(const Histogram& ns, const char* what) {
  double p50 = us(ns.percentile(50)), p99 = us(ns.percentile(99)), p999 = us(ns.percentile(99.9));
  double max = us(ns.max());
  json_.add("samples", ns.count())
      .add("p50_us", p50)
      .add("p99_us", p99)
      .add("p999_us", p999)
      .add("max_us", max)
      .add("mean_us", ns.mean() / 1000.0);
  line(std::string(what) +
       format(" latency (us): p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f", p50, p99, p999, max));
}

void Report::add_server_costs(const std::optional<ProcSample>& start, const std::optional<ProcSample>& end,
                              std::uint64_t messages) {
  if (!start || !end) {
    if (start || end) line("server: process could not be sampled at both ends");
    return;
  }
  json_.add("server_rss_kb", end->rss_kb).add("server_rss_start_kb", start->rss_kb);
  if (messages == 0) {
    line(format("server: rss %.0f kB (%.0f kB at start)", static_cast<double>(end->rss_kb),
                static_cast<double>(start->rss_kb), 0, 0));
    return;
  }
  double n = static_cast<double>(messages);
  double user = ticks_to_us(end->user_ticks - start->user_ticks) / n;
  double sys = ticks_to_us(end->sys_ticks - start->sys_ticks) / n;
  json_.add("server_user_us_per_msg", user)
      .add("server_sys_us_per_msg", sys)
      .add("server_cpu_us_per_msg", user + sys);
  line(format("server: rss %.0f kB, cpu per message %.3f us (user %.3f, sys %.3f)",
              static_cast<double>(end->rss_kb), user + sys, user, sys));
}

void Report::print(bool as_json) const {
  std::FILE* human = as_json ? stderr : stdout;
  for (const auto& l : lines_) std::fprintf(human, "%s\n", l.c_str());
  if (as_json) std::printf("%s\n", json_.str().c_str());
  std::fflush(stdout);
}

}  // namespace sluice::bench
