// Internal logging helpers over fmt: one line per call, prefixed with time and level.
#pragma once

#include <fmt/format.h>

#include "sluice/log.hpp"

namespace sluice::detail {

void write_log_line(LogLevel level, std::string_view line);

template <typename... Args>
void log(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
  if (level < log_level()) return;
  write_log_line(level, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace sluice::detail
