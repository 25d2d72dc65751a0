// Endpoint: a HOST:PORT the relay listens on or connects to, as written in the configuration:
// "127.0.0.1:8080", "localhost:9000", "[::1]:8080" (IPv6 addresses in brackets, as in URLs).
// The host is checked for form only (an IP address, or a DNS name by RFC 1123); names are
// resolved later, when the socket is made.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/parse_result.hpp"

namespace sluice::relay {

struct Endpoint {
  std::string host;  // without brackets
  std::uint16_t port = 0;

  bool is_ipv6() const { return host.find(':') != std::string::npos; }
  // Back to the written form: "[::1]:8080" for IPv6.
  std::string to_string() const;

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Any port from 0 to 65535 is accepted; 0 means "pick a free port" for a listener, and callers
// that connect refuse it themselves.
ParseResult<Endpoint> parse_endpoint(std::string_view text);

}  // namespace sluice::relay
