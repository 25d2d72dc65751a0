// Splits at the last ':' (or after the closing bracket), then checks the port's digits and the
// host's form. IP literals are checked with inet_pton, which accepts exactly the dotted-quad
// IPv4 form and the RFC 4291 IPv6 forms.
#include "config/endpoint.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace sluice::relay {
namespace {

using Result = ParseResult<Endpoint>;

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool is_ip(int family, const std::string& host) {
  unsigned char buf[16];
  return inet_pton(family, host.c_str(), buf) == 1;
}

bool looks_numeric(std::string_view host) {
  return host.find_first_not_of("0123456789.") == std::string_view::npos;
}

// RFC 1123: labels of letters, digits and '-', 1 to 63 bytes, not starting or ending with '-'.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) dot = host.size();
    const std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    start = dot + 1;
  }
  return true;
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

std::string Endpoint::to_string() const {
  const std::string p = std::to_string(port);
  return is_ipv6() ? "[" + host + "]:" + p : host + ":" + p;
}

ParseResult<Endpoint> parse_endpoint(std::string_view text) {
  Endpoint out;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return Result::failure(quoted(text) + " has no closing ']'");
    out.host = std::string(text.substr(1, close - 1));
    if (text.substr(close + 1, 1) != ":") {
      return Result::failure(quoted(text) + " has no port: write [ADDRESS]:PORT, e.g. \"[::1]:8080\"");
    }
    port_text = text.substr(close + 2);
    if (!is_ip(AF_INET6, out.host)) return Result::failure(quoted(out.host) + " is not a valid IPv6 address");
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Result::failure(quoted(text) + " has no port: write HOST:PORT, e.g. \"127.0.0.1:8080\"");
    }
    if (text.find(':') != colon) {
      return Result::failure(quoted(text) + ": an IPv6 address goes in brackets, e.g. \"[::1]:8080\"");
    }
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (out.host.empty())
      return Result::failure(quoted(text) + " has no host: write HOST:PORT, e.g. \"0.0.0.0:8080\"");
    if (looks_numeric(out.host)) {
      if (!is_ip(AF_INET, out.host))
        return Result::failure(quoted(out.host) + " is not a valid IPv4 address");
    } else if (!is_host_name(out.host)) {
      return Result::failure(quoted(out.host) + " is not a valid host name or address");
    }
  }
  if (!parse_port(port_text, out.port)) {
    return Result::failure("port " + quoted(port_text) + " in " + quoted(text) +
                           " is not a number from 0 to 65535");
  }
  return out;
}

}  // namespace sluice::relay
