// Logging: one line per event on stderr, filtered by a process-wide level.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice {

enum class LogLevel : std::uint8_t { debug, info, warn, error, off };

void set_log_level(LogLevel level);
LogLevel log_level();
// Parses "debug", "info", "warn", "error" or "off"; false if `name` is none of them.
bool parse_log_level(std::string_view name, LogLevel& out);

}  // namespace sluice
