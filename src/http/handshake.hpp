// The opening handshake's rules (RFC 6455 §4.2.1-§4.2.2): is a parsed request a valid
// WebSocket upgrade, and the Sec-WebSocket-Accept value that answers its key.
#pragma once

#include <string>
#include <string_view>

#include "http/request_parser.hpp"

namespace sluice::detail {

// True when the client asks to switch to WebSocket (Upgrade: websocket).
bool wants_websocket(const HttpRequest& req);

struct HandshakeCheck {
  int status = 0;           // 0 when valid; else 400 or 426
  const char* reason = "";  // for the log line and the response body
  std::string_view key;
};
HandshakeCheck check_upgrade(const RequestHead& head);

// base64(SHA-1(key + GUID)), RFC 6455 §4.2.2 step 5.
std::string accept_key(std::string_view key);

}  // namespace sluice::detail
