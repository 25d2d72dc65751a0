// Report: what a scenario found, as a few human lines and one JSON line. The JSON goes to
// stdout alone (one line, for scripts); with --json the human lines go to stderr instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "json_line.hpp"
#include "proc_sampler.hpp"

namespace sluice::bench {

class Report {
 public:
  explicit Report(std::string scenario);

  JsonLine& json() { return json_; }
  void line(std::string text) { lines_.push_back(std::move(text)); }

  // p50/p99/p99.9/max (and mean) in microseconds, from a histogram of nanoseconds.
  void add_latency(const Histogram& ns, const char* what);
  // Server RSS at the end and its CPU time per message between the two samples; with
  // messages == 0 only the RSS. Nothing when either sample is missing.
  void add_server_costs(const std::optional<ProcSample>& start, const std::optional<ProcSample>& end,
                        std::uint64_t messages);

  void print(bool as_json) const;

 private:
  JsonLine json_;
  std::vector<std::string> lines_;
};

}  // namespace sluice::bench
