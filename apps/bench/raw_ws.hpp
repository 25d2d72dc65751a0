// Raw upgraded sockets for the idle and stall scenarios: plain TCP sockets that send the opening
// handshake by hand (RFC 6455 §4.1) and check for `HTTP/1.1 101`, bound to 127.0.0.x source
// addresses so that more connections fit than one address has ports. sluice::Client has no
// way to bind a source address or to set SO_RCVBUF before connect, hence these.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::bench {

struct WsTarget {
  std::string host_header;  // host[:port] as in the URL
  std::string path;         // path and query, at least "/"
  sockaddr_in address{};    // IPv4 only: the benchmarks run on 127.0.0.0/8
};

// Parses ws://a.b.c.d[:port][/path] (or "localhost"); std::nullopt with `error` set otherwise.
std::optional<WsTarget> parse_ws_target(const std::string& url, std::string& error);

// Connections per source address before the next one (127.0.0.1, .2, ...) is used.
constexpr int kConnectionsPerSource = 20'000;

struct RawOpenOptions {
  int count = 0;
  int receive_buffer = 0;  // SO_RCVBUF set before connect; 0 keeps the kernel's default
  int timeout_ms = 5000;   // per connect and per handshake
};

// Opens up to `count` upgraded connections, in batches that pipeline connect, request and
// response. Returns the blocking file descriptors of those that upgraded; stops at the first
// failure with `error` set (the descriptors opened so far are still returned).
std::vector<int> open_raw_upgraded(const WsTarget& target, const RawOpenOptions& options, std::string& error);

void close_all(std::vector<int>& fds);

// Whether the server has closed this connection (its end sent FIN or reset it).
bool closed_by_peer(int fd);

// Reads what each connection holds, for up to `for_ms`, and counts those that reach their end
// (end-of-file or a reset): a server that closed a stalled reader has its close arrive behind
// the bytes it had queued, which the reader must take first.
int count_closed_after_draining(const std::vector<int>& fds, int for_ms);

}  // namespace sluice::bench
