// Behaviors: the application's callbacks for WebSocket connections, all optional. Every callback
// runs on the loop thread that owns the connection; a send() made inside one is flushed before
// that loop sleeps. A server takes one set for every path (its constructor's), or one per path
// (Server::ws). TypedBehaviors<T> gives each connection a T the server makes at the handshake
// and destroys after on_close.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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
  // Set: the server passes a connection's user data to it after on_close (and when a handshake
  // it accepted fails after all), so the data lives exactly as long as the connection.
  void (*destroy_user_data)(void*) = nullptr;
  // What Server::connections() says of a connection (its path, what it follows): called once a
  // second, on its loop thread, for the few connections that rank there, open or closing.
  std::function<std::string(WebSocket)> describe;
};

// Behaviors whose connections each carry a T: made (value-initialised) before on_upgrade, which
// may fill it in; destroyed when the handshake is refused, or right after on_close.
template <typename T>
struct TypedBehaviors {
  std::function<UpgradeDecision(const UpgradeRequest&, T&)> on_upgrade;
  std::function<void(WebSocket, T&)> on_open;
  std::function<void(WebSocket, T&, std::string_view data, Opcode opcode)> on_message;
  std::function<void(WebSocket, T&)> on_drain;
  std::function<void(WebSocket, T&, std::uint16_t code, std::string_view reason)> on_close;
  std::function<std::string(WebSocket, T&)> describe;

  // The same callbacks on the connection's user data, which holds the T (a decision's own
  // user_data is replaced by it).
  Behaviors erase() && {
    Behaviors b;
    b.on_upgrade = [f = std::move(on_upgrade)](const UpgradeRequest& req) {
      auto data = std::make_unique<T>();
      UpgradeDecision d = f ? f(req, *data) : UpgradeDecision::accept();
      d.user_data = d.status == 101 ? data.release() : nullptr;
      return d;
    };
    if (on_open) b.on_open = [f = std::move(on_open)](WebSocket ws) { f(ws, *ws.user<T>()); };
    if (on_message)
      b.on_message = [f = std::move(on_message)](WebSocket ws, std::string_view data, Opcode op) {
        f(ws, *ws.user<T>(), data, op);
      };
    if (on_drain) b.on_drain = [f = std::move(on_drain)](WebSocket ws) { f(ws, *ws.user<T>()); };
    if (on_close)
      b.on_close = [f = std::move(on_close)](WebSocket ws, std::uint16_t code, std::string_view reason) {
        f(ws, *ws.user<T>(), code, reason);
      };
    if (describe) b.describe = [f = std::move(describe)](WebSocket ws) { return f(ws, *ws.user<T>()); };
    b.destroy_user_data = [](void* p) { delete static_cast<T*>(p); };
    return b;
  }
};

}  // namespace sluice
