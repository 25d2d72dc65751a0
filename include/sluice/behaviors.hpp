// Behaviors: the application's callbacks, all optional. Every callback runs on the loop thread
// that owns the connection; a send() made inside one is flushed before that loop sleeps.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "sluice/http.hpp"
#include "sluice/opcode.hpp"
#include "sluice/websocket.hpp"

namespace sluice {

struct Behaviors {
  // Decide on an opening handshake; unset accepts every valid one without a subprotocol.
  std::function<UpgradeDecision(const UpgradeRequest&)> on_upgrade;
  std::function<void(WebSocket)> on_open;
  // `data` is valid only during the call; text messages are already checked as UTF-8.
  std::function<void(WebSocket, std::string_view data, Opcode opcode)> on_message;
  // The send queue fell below the low watermark after being over it.
  std::function<void(WebSocket)> on_drain;
  // The connection is gone. code is the peer's close code, 1005 if its close frame had none,
  // 1006 if the connection ended without a close frame from the peer.
  std::function<void(WebSocket, std::uint16_t code, std::string_view reason)> on_close;
  // What Server::connections() says of a connection (its path, what it follows): called once a
  // second, on its loop thread, for the few connections that rank there, open or closing.
  std::function<std::string(WebSocket)> describe;
};

}  // namespace sluice
