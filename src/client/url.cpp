#include "client/url.hpp"

#include <charconv>

namespace sluice::detail {

std::optional<Url> parse_ws_url(std::string_view url) {
  constexpr std::string_view kScheme = "ws://";
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;  // wss:// needs TLS: not yet
  url.remove_prefix(kScheme.size());
  // The authority goes out as the Host header and the rest as the request target: a control
  // byte, space or non-ASCII byte in either would put a malformed (or an extra) line on the
  // wire (RFC 3986 allows none of them unencoded), and a fragment is not allowed (§3).
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F || c == '#')
      return std::nullopt;
  auto slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  std::string_view rest = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  Url u;
  std::string_view host, port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
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
