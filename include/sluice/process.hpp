// Process-wide settings a sluice program applies once at start.
#pragma once

#include <cstdint>

namespace sluice {

struct FdLimit {
  std::uint64_t soft_before = 0;  // the soft RLIMIT_NOFILE the process started with
  std::uint64_t soft = 0;         // now
  std::uint64_t hard = 0;
};

// Raises the soft limit on open files to the hard limit. Safe for sluice, which sizes nothing by
// it, and what lets a server hold as many connections as the system allows (the default soft
// limit is often 1,024). Returns the limits before and after, for a log line.
FdLimit raise_fd_limit();

}  // namespace sluice
