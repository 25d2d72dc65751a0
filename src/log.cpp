#include "log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>

namespace sluice {
namespace {
std::atomic<LogLevel> g_level{LogLevel::info};
constexpr const char* kNames[] = {"debug", "info", "warn", "error", "off"};
}  // namespace

void set_log_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel log_level() { return g_level.load(std::memory_order_relaxed); }

bool parse_log_level(std::string_view name, LogLevel& out) {
  for (int i = 0; i < 5; ++i) {
    if (name == kNames[i]) {
      out = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

namespace detail {

void write_log_line(LogLevel level, std::string_view line) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  // One fprintf per line keeps lines from different threads whole.
  std::fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ sluice %s: %.*s\n", t.tm_year + 1900,
               t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec / 1000000,
               kNames[static_cast<int>(level)], static_cast<int>(line.size()), line.data());
}

}  // namespace detail
}  // namespace sluice
