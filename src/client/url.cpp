#include "client/url.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace sluice::detail {
namespace {

// RFC 3986 §3.1: the scheme is case-insensitive.
bool starts_with_scheme(std::string_view url, std::string_view scheme) {
  if (url.size() < scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    char c = url[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != scheme[i]) return false;
  }
  return true;
}

bool is_ipv6_literal(std::string_view host) {
  if (host.size() >= INET6_ADDRSTRLEN) return false;
  char text[INET6_ADDRSTRLEN] = {};
  host.copy(text, host.size());
  in6_addr addr;
  return ::inet_pton(AF_INET6, text, &addr) == 1;
}

}  // namespace

std::optional<Url> parse_ws_url(std::string_view url) {
  Url u;
  if (starts_with_scheme(url, "wss://")) {
    u.secure = true;
    u.port = 443;
    url.remove_prefix(6);
  } else if (starts_with_scheme(url, "ws://")) {
    url.remove_prefix(5);
  } else {
    return std::nullopt;
  }
  // A URI is visible ASCII only (RFC 3986 §2); anything else would also end up verbatim in the
  // request line or the Host header, where a CR or LF would inject a header.
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) return std::nullopt;
  // RFC 6455 §3: fragment identifiers have no meaning in a WebSocket URI and MUST NOT be used.
  if (url.find('#') != std::string_view::npos) return std::nullopt;
  auto slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  std::string_view rest = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
  // No userinfo: ws-URI = "ws:" "//" host [ ":" port ] path [ "?" query ].
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view host, port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    if (!is_ipv6_literal(host)) return std::nullopt;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    // The first colon ends the host, so an unbracketed IPv6 literal ("ws://::1/", which has no
    // single reading) leaves an empty host or a port that is not a number.
    if (host.find_first_of("[]") != std::string_view::npos) return std::nullopt;
  }
  if (host.empty()) return std::nullopt;
  // An empty port after the colon is allowed and means the default (RFC 3986 §3.2.3).
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return std::nullopt;
    u.port = static_cast<std::uint16_t>(value);
  }
  u.host = std::string(host);
  if (rest.empty() || rest.front() == '?') u.target = '/';
  u.target.append(rest);
  u.host_header = std::string(authority);
  return u;
}

}  // namespace sluice::detail
