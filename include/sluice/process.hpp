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

// Makes every thread allocate from one malloc heap (glibc's arena_max = 1). With one heap per
// thread, memory that one loop's peers freed stays in that loop's heap while another loop's
// peers fill the budget again, so the process's RSS can exceed the memory budget by what the
// heaps hold in between; with one heap it cannot. The frame pool and glibc's per-thread caches
// keep the common allocations off the shared heap's lock. Call before starting threads.
void use_one_heap();

}  // namespace sluice
