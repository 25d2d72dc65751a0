// log_line: the relay's log lines, formatted with fmt and written through the engine's log, so
// they share its non-blocking writer and its per-call-site rate limit.
#pragma once

#include <fmt/format.h>

#include <source_location>
#include <type_traits>

#include <sluice/log.hpp>

namespace sluice::relay {

template <typename... Args>
struct LogAt {
  template <typename S>
  consteval LogAt(const S& text, std::source_location at = std::source_location::current())
      : format(text), where(at) {}
  fmt::format_string<Args...> format;
  std::source_location where;
};

template <typename... Args>
void log_line(LogLevel level, LogAt<std::type_identity_t<Args>...> f, Args&&... args) {
  if (level < log_level()) return;
  write_log(level, fmt::format(f.format, std::forward<Args>(args)...), f.where);
}

}  // namespace sluice::relay
