// RedisUrl: where one Redis shard is and how to log in, as written in [broker] url:
//
//   redis://HOST:PORT/DB                  TCP (port 6379 and database 0 when left out)
//   redis://:PASSWORD@HOST:PORT/DB        with a password (AUTH PASSWORD)
//   redis://USER:PASSWORD@HOST:PORT/DB    with an ACL user (AUTH USER PASSWORD)
//   unix:/run/redis/redis.sock?db=DB&password=PASSWORD
//
// Pure parsing, checked at load so that a typo is a FILE:LINE:COLUMN error, not a reconnect
// loop. Percent-escapes in the user and password are decoded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace sluice::relay {

struct RedisUrl {
  std::string host;  // empty for a Unix socket
  std::uint16_t port = 6379;
  std::string socket_path;  // empty for TCP
  std::string user;         // empty: AUTH with the password alone
  std::string password;     // empty: no AUTH
  int db = 0;

  bool is_unix() const { return !socket_path.empty(); }
  // host:port or the socket path, for logs (never the password).
  std::string where() const;
};

// The URL, or why it is not one.
std::variant<RedisUrl, std::string> parse_redis_url(std::string_view text);

}  // namespace sluice::relay
