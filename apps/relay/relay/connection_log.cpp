#include "relay/connection_log.hpp"

#include <array>

namespace sluice::relay {

void log_connection_opened(std::string_view peer, std::string_view target) {
  if (log_level() > LogLevel::info) return;
  const std::array<LogField, 2> fields = {LogField("peer", peer), LogField("path", target)};
  write_log(LogLevel::info, "connection opened", fields);
}

void log_connection_closed(WebSocket ws, std::string_view peer, std::string_view target,
                           std::chrono::steady_clock::duration lasted, std::uint16_t code) {
  if (log_level() > LogLevel::info) return;
  const ConnectionStats s = ws.stats();
  const std::array<LogField, 7> fields = {
      LogField("peer", peer),
      LogField("path", target),
      LogField("duration_s", std::chrono::duration<double>(lasted).count()),
      LogField("messages_out", s.messages_sent),
      LogField("bytes_out", s.bytes_sent),
      LogField("dropped", s.messages_dropped),
      LogField("code", static_cast<unsigned>(code)),
  };
  write_log(LogLevel::info, "connection closed", fields);
}

}  // namespace sluice::relay
