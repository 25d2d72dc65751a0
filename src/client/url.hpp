// WebSocket URLs (RFC 6455 §3): ws://host[:port][/path][?query] or wss:// (TLS, port 443 by
// default), host a name, an IPv4 literal or a bracketed IPv6 literal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::detail {

struct Url {
  bool secure = false;  // wss://
  std::string host;     // without brackets
  std::uint16_t port = 80;
  std::string target;       // path and query, at least "/"
  std::string host_header;  // as the Host header carries it
};

std::optional<Url> parse_ws_url(std::string_view url);

}  // namespace sluice::detail
