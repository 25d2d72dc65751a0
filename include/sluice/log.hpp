// Logging: one line per event on stderr, filtered by a process-wide level.
#pragma once

#include <cstdint>
#include <source_location>
#include <string_view>

namespace sluice {

enum class LogLevel : std::uint8_t { debug, info, warn, error, off };

void set_log_level(LogLevel level);
LogLevel log_level();
// Parses "debug", "info", "warn", "error" or "off"; false if `name` is none of them.
bool parse_log_level(std::string_view name, LogLevel& out);

// Writes one line through the engine's log: below the level it is skipped; it never blocks
// (a bounded queue feeds a writer thread), and each call site writes at most a burst of lines
// per second, the rest counted and reported with its next line.
void write_log(LogLevel level, std::string_view text,
               std::source_location where = std::source_location::current());
// Waits at most `timeout_ms` for queued lines to be written (before exit); false if it timed out.
bool flush_log(int timeout_ms);

}  // namespace sluice
