// The relay's line per WebSocket connection, at info: one when it opens (peer, path) and one
// when it closes (peer, path, how long it lasted, what it was sent and dropped, the close code
// the peer gave: 1005 for none, 1006 when it vanished). Through the engine's log, so each
// site is rate-limited and a flood of short connections costs a bounded number of lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include <sluice/sluice.hpp>

namespace sluice::relay {

void log_connection_opened(std::string_view peer, std::string_view target);
void log_connection_closed(WebSocket ws, std::string_view peer, std::string_view target,
                           std::chrono::steady_clock::duration lasted, std::uint16_t code);

}  // namespace sluice::relay
