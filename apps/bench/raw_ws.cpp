// Raw upgraded sockets: blocking syscalls with timeouts, so every step is bounded. The response
// header is peeked and then consumed exactly, so that no frame bytes behind it are read.
#include "raw_ws.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>

namespace sluice::bench {

namespace {

constexpr int kBatch = 128;  // well below the server's listen backlog

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

void set_timeouts(int fd, int timeout_ms) {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

int connect_from(const WsTarget& target, int index, const RawOpenOptions& options, std::string& error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = errno_text("socket");
    return -1;
  }
  if (options.receive_buffer > 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer, sizeof options.receive_buffer);
  // The port is picked at connect() from the whole 4-tuple, not reserved at bind().
  int one = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr =
      htonl((127u << 24) | static_cast<std::uint32_t>(1 + index / kConnectionsPerSource));
  set_timeouts(fd, options.timeout_ms);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&source), sizeof source) != 0) {
    error = errno_text("bind");
  } else if (::connect(fd, reinterpret_cast<const sockaddr*>(&target.address), sizeof target.address) != 0) {
    error = errno_text("connect");
  } else {
    return fd;
  }
  ::close(fd);
  return -1;
}

bool send_all(int fd, std::string_view data, std::string& error) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = errno_text("send");
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads exactly the response header and checks the status line.
bool read_upgrade_response(int fd, int timeout_ms, std::string& error) {
  char buf[2048];
  for (int waited_ms = 0; waited_ms <= timeout_ms;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_PEEK);  // blocks up to SO_RCVTIMEO
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n == 0 ? "connection closed during the handshake" : errno_text("handshake");
      return false;
    }
    std::string_view seen(buf, static_cast<std::size_t>(n));
    std::size_t end = seen.find("\r\n\r\n");
    if (end != std::string_view::npos) {
      if (!seen.starts_with("HTTP/1.1 101")) {
        error = "upgrade refused: " + std::string(seen.substr(0, seen.find("\r\n")));
        return false;
      }
      std::size_t header = end + 4;
      return ::recv(fd, buf, header, 0) == static_cast<ssize_t>(header);
    }
    if (static_cast<std::size_t>(n) == sizeof buf) break;
    ::usleep(1000);  // a partial header: the rest is on its way
    waited_ms += 1;
  }
  error = "no complete upgrade response";
  return false;
}

}  // namespace

std::optional<WsTarget> parse_ws_target(const std::string& url, std::string& error) {
  std::string_view rest(url);
  if (!rest.starts_with("ws://")) {
    error = "only ws:// URLs are supported: " + url;
    return std::nullopt;
  }
  rest.remove_prefix(5);
  std::size_t slash = rest.find_first_of("/?");
  WsTarget t;
  t.host_header = std::string(rest.substr(0, slash));
  t.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (t.path.front() == '?') t.path.insert(0, "/");
  std::string host = t.host_header;
  unsigned port = 80;
  if (std::size_t colon = host.rfind(':'); colon != std::string::npos) {
    try {
      port = static_cast<unsigned>(std::stoul(host.substr(colon + 1)));
    } catch (const std::exception&) {
      port = 0;
    }
    host.resize(colon);
  }
  if (host == "localhost") host = "127.0.0.1";
  t.address.sin_family = AF_INET;
  t.address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (port == 0 || port > 65535 || ::inet_pton(AF_INET, host.c_str(), &t.address.sin_addr) != 1) {
    error = "expected ws://IPv4[:port][/path]: " + url;
    return std::nullopt;
  }
  return t;
}

std::vector<int> open_raw_upgraded(const WsTarget& target, const RawOpenOptions& options,
                                   std::string& error) {
  const std::string request =
      "GET " + target.path + " HTTP/1.1\r\nHost: " + target.host_header +
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  std::vector<int> open;
  open.reserve(static_cast<std::size_t>(options.count));
  std::vector<int> batch;
  while (static_cast<int>(open.size()) < options.count && error.empty()) {
    // Connect and send a batch first, then read the responses: the server upgrades them together.
    batch.clear();
    for (int i = static_cast<int>(open.size()); i < options.count && static_cast<int>(batch.size()) < kBatch;
         ++i) {
      int fd = connect_from(target, i, options, error);
      if (fd < 0) break;
      batch.push_back(fd);
      if (!send_all(fd, request, error)) break;
    }
    for (int fd : batch) {
      if (error.empty() && read_upgrade_response(fd, options.timeout_ms, error)) {
        open.push_back(fd);
      } else {
        ::close(fd);
      }
    }
  }
  return open;
}

void close_all(std::vector<int>& fds) {
  for (int fd : fds) ::close(fd);
  fds.clear();
}

bool closed_by_peer(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return true;
  return info.tcpi_state == TCP_CLOSE_WAIT || info.tcpi_state == TCP_CLOSE;
}

int count_closed_after_draining(const std::vector<int>& fds, int for_ms) {
  std::vector<pollfd> open;
  for (int fd : fds) open.push_back({fd, POLLIN, 0});
  int closed = 0;
  char sink[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(for_ms);
  while (!open.empty()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (::poll(open.data(), open.size(), static_cast<int>(left.count())) <= 0) break;
    for (std::size_t i = 0; i < open.size();) {
      if (open[i].revents == 0) {
        ++i;
        continue;
      }
      const ssize_t n = ::recv(open[i].fd, sink, sizeof sink, MSG_DONTWAIT);
      if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))) {
        ++i;
        continue;
      }
      ++closed;  // end-of-file, or reset
      open[i] = open.back();
      open.pop_back();
    }
  }
  return closed;
}

}  // namespace sluice::bench
