#include "broker/redis_url.hpp"

#include <charconv>

namespace sluice::relay {

namespace {

constexpr int max_db = 1'000'000;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// False on a malformed escape.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

template <class T>
bool parse_number(std::string_view s, T min, T max, T& out) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || v < min || v > max) return false;
  out = v;
  return true;
}

std::variant<RedisUrl, std::string> parse_unix(std::string_view rest) {
  RedisUrl url;
  // unix:///path and unix:/path name the same socket.
  if (rest.starts_with("//")) rest.remove_prefix(2);
  const std::size_t q = rest.find('?');
  std::string_view path = rest.substr(0, q);
  if (path.empty() || path.front() != '/')
    return std::string("unix: needs an absolute socket path, as unix:/run/redis.sock");
  url.socket_path = std::string(path);
  if (q == std::string_view::npos) return url;
  std::string_view query = rest.substr(q + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (name == "db") {
      if (!parse_number(value, 0, max_db, url.db)) return std::string("db must be a number from 0");
    } else if (name == "password") {
      if (!percent_decode(value, url.password)) return std::string("password has a malformed %-escape");
    } else if (name == "user") {
      if (!percent_decode(value, url.user)) return std::string("user has a malformed %-escape");
    } else {
      return "unknown parameter '" + std::string(name) + "' (db, password and user are known)";
    }
  }
  return url;
}

std::variant<RedisUrl, std::string> parse_tcp(std::string_view rest) {
  RedisUrl url;
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  if (rest.find('?') != std::string_view::npos) return std::string("redis:// URLs take no query");
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const std::size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) return std::string("write the password as redis://:PASSWORD@HOST");
    if (!percent_decode(userinfo.substr(0, colon), url.user) ||
        !percent_decode(userinfo.substr(colon + 1), url.password))
      return std::string("malformed %-escape in the user or password");
    if (url.password.empty()) return std::string("empty password");
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::string("unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::string("expected ':PORT' after ']'");
      port = after.substr(1);
      if (port.empty()) return std::string("empty port");
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return std::string("empty port");
  }
  if (host.empty()) return std::string("no host: write redis://HOST:PORT/DB");
  url.host = std::string(host);
  if (!port.empty() && !parse_number<std::uint16_t>(port, 1, 65535, url.port))
    return "port '" + std::string(port) + "' is not a number from 1 to 65535";
  if (!path.empty() && !parse_number(path, 0, max_db, url.db))
    return "database '" + std::string(path) + "' is not a number from 0";
  return url;
}

}  // namespace

std::string RedisUrl::where() const {
  if (is_unix()) return "unix:" + socket_path;
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::variant<RedisUrl, std::string> parse_redis_url(std::string_view text) {
  if (text.starts_with("redis://")) return parse_tcp(text.substr(8));
  if (text.starts_with("unix:")) return parse_unix(text.substr(5));
  return std::string("expected redis://HOST:PORT/DB or unix:/PATH");
}

}  // namespace sluice::relay
