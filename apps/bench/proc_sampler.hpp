// ProcSampler: the server's resident memory and CPU time, read from /proc/PID/status (VmRSS)
// and /proc/PID/stat (utime, stime) so that a scenario can report per-message and
// per-connection costs of the process under test.
#pragma once

#include <cstdint>
#include <optional>

namespace sluice::bench {

struct ProcSample {
  std::uint64_t t_ns = 0;  // steady clock at the time of sampling
  long rss_kb = 0;
  std::uint64_t user_ticks = 0;  // clock ticks, sysconf(_SC_CLK_TCK) per second
  std::uint64_t sys_ticks = 0;
};

// std::nullopt when the process is gone or /proc cannot be read.
std::optional<ProcSample> sample_process(int pid);

// Clock ticks to microseconds.
double ticks_to_us(std::uint64_t ticks);

}  // namespace sluice::bench
