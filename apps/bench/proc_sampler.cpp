// ProcSampler: two small /proc reads into stack buffers; no allocation per sample.
#include "proc_sampler.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "clock.hpp"

namespace sluice::bench {

namespace {

// Reads the whole (small) file into `buf` as a C string; false when it cannot be read.
bool read_small_file(const char* path, char* buf, std::size_t size) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::size_t used = 0;
  while (used + 1 < size) {
    ssize_t n = ::read(fd, buf + used, size - 1 - used);
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  buf[used] = '\0';
  return used > 0;
}

}  // namespace

std::optional<ProcSample> sample_process(int pid) {
  ProcSample s;
  s.t_ns = now_ns();
  char path[64];
  char buf[4096];

  std::snprintf(path, sizeof path, "/proc/%d/status", pid);
  if (!read_small_file(path, buf, sizeof buf)) return std::nullopt;
  const char* rss = std::strstr(buf, "VmRSS:");
  if (rss == nullptr) return std::nullopt;  // a zombie has no memory lines
  s.rss_kb = std::strtol(rss + 6, nullptr, 10);

  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  if (!read_small_file(path, buf, sizeof buf)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return std::nullopt;
  ++p;
  // Field 3 (state) is the first after ')'; utime and stime are fields 14 and 15.
  for (int field = 3; field < 14; ++field) {
    p = std::strchr(p + 1, ' ');
    if (p == nullptr) return std::nullopt;
  }
  char* end = nullptr;
  s.user_ticks = std::strtoull(p, &end, 10);
  s.sys_ticks = std::strtoull(end, nullptr, 10);
  return s;
}

double ticks_to_us(std::uint64_t ticks) {
  static const long per_second = ::sysconf(_SC_CLK_TCK);
  return static_cast<double>(ticks) * 1e6 / static_cast<double>(per_second > 0 ? per_second : 100);
}

}  // namespace sluice::bench
