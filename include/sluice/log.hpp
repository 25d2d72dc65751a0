// Logging: one line per event on stderr, filtered by a process-wide level, as text or as one
// JSON object a line (for journald, ELK and the like).
#pragma once

#include <concepts>
#include <cstdint>
#include <source_location>
#include <span>
#include <string>
#include <string_view>

namespace sluice {

enum class LogLevel : std::uint8_t { debug, info, warn, error, off };

void set_log_level(LogLevel level);
LogLevel log_level();
// Parses "debug", "info", "warn", "error" or "off"; false if `name` is none of them.
bool parse_log_level(std::string_view name, LogLevel& out);

// text: `2025-01-31T12:00:00.000Z sluice info: TEXT key=value ...`;
// json: `{"time":"2025-01-31T12:00:00.000Z","level":"info","msg":"TEXT","key":value,...}`, with
// "suppressed":N when a rate-limited site held lines back.
enum class LogFormat : std::uint8_t { text, json };
void set_log_format(LogFormat format);
LogFormat log_format();
// Parses "text" or "json"; false if `name` is neither.
bool parse_log_format(std::string_view name, LogFormat& out);

// A named value on a log line: ` key=value` in text (quoted when it holds a space or a quote),
// a member of the object in JSON (numbers unquoted). `key` must be a plain identifier.
struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <std::integral T>
  LogField(std::string_view k, T v) : key(k), value(std::to_string(v)), number(true) {}
  LogField(std::string_view k, double v);  // written with up to 3 decimals

  std::string_view key;
  std::string value;
  bool number = false;
};

// Writes one line through the engine's log: below the level it is skipped; it never blocks
// (a bounded queue feeds a writer thread), and each call site writes at most a burst of lines
// per second, the rest counted and reported with its next line.
void write_log(LogLevel level, std::string_view text,
               std::source_location where = std::source_location::current());
void write_log(LogLevel level, std::string_view text, std::span<const LogField> fields,
               std::source_location where = std::source_location::current());
// Waits at most `timeout_ms` for queued lines to be written (before exit); false if it timed out.
bool flush_log(int timeout_ms);

}  // namespace sluice
