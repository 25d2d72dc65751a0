// Internal logging over fmt: one line per call, prefixed with time and level. A line never
// blocks the calling thread: it goes through a bounded queue to a writer thread (src/log.cpp),
// and a line the queue cannot take is counted and reported later. Each call site may write a
// burst of lines per second; what it holds back beyond that is counted and reported with its
// next line, or after a second of quiet.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <source_location>
#include <string_view>
#include <type_traits>

#include "sluice/log.hpp"

namespace sluice::detail {

struct LogSite {
  const char* file;
  std::uint32_t line;
};

// A format string and the place in the code it is logged from, captured where log() is called.
template <typename... Args>
struct LogFormat {
  template <typename S>
  consteval LogFormat(const S& text, std::source_location where = std::source_location::current())
      : format(text), site{where.file_name(), where.line()} {}
  fmt::format_string<Args...> format;
  LogSite site;
};

// Whether a line from `site` may be written now (at most kLogBurst per site per second); when
// it may, `suppressed` receives how many lines the site held back since its last one.
inline constexpr int kLogBurst = 20;
bool log_admit(const LogSite& site, std::uint64_t& suppressed);
// Queues one line for the writer thread, never waiting for it.
void write_log_line(LogLevel level, const LogSite& site, std::string_view line, std::uint64_t suppressed,
                    std::span<const LogField> fields = {});
// The line as the current format writes it, newline included.
std::string format_log_line(LogLevel level, std::string_view text, std::span<const LogField> fields,
                            std::uint64_t suppressed);
// Lines dropped because the log sink did not keep up, since the process started.
std::uint64_t log_lines_dropped();
// Waits (at most `timeout_ms`) until every queued line is written; false if it timed out.
bool flush_log(int timeout_ms);

template <typename... Args>
void log(LogLevel level, LogFormat<std::type_identity_t<Args>...> f, Args&&... args) {
  if (level < log_level()) return;
  std::uint64_t suppressed = 0;
  if (!log_admit(f.site, suppressed)) return;
  write_log_line(level, f.site, fmt::format(f.format, std::forward<Args>(args)...), suppressed);
}

}  // namespace sluice::detail
