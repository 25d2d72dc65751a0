// Every call either completes, fails with a reason, or gives up at the socket's timeout: a
// scenario built on RawPeer always ends.
#include "raw_peer.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sluice::bench {

namespace {

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

std::string upgrade_request(const WsTarget& target) {
  return "GET " + target.path + " HTTP/1.1\r\nHost: " + target.host_header +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

bool RawPeer::open(const WsTarget& target, int source, int timeout_ms, bool blocking, std::string& error) {
  close();
  head_.clear();
  upgraded_ = false;
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK), 0);
  if (fd_ < 0) {
    error = errno_text("socket");
    return false;
  }
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_addr.s_addr = htonl((127u << 24) | static_cast<std::uint32_t>(2 + source % 200));
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) {
    error = errno_text("bind");
    close();
    return false;
  }
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&target.address), sizeof target.address) != 0 &&
      !(errno == EINPROGRESS && !blocking)) {
    error = errno_text("connect");
    close();
    return false;
  }
  return true;
}

bool RawPeer::send_all(std::string_view data, std::string& error) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = errno_text("send");
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool RawPeer::poll_upgrade(std::string& error) {
  char buf[1024];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    if (n <= 0) {
      error = n == 0 ? "closed during the handshake" : errno_text("recv");
      return false;
    }
    head_.append(buf, static_cast<std::size_t>(n));
    const std::size_t end = head_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (head_.size() > 16 * 1024) {
        error = "response head too long";
        return false;
      }
      continue;
    }
    upgraded_ = head_.starts_with("HTTP/1.1 101");
    if (!upgraded_) error = "upgrade refused: " + head_.substr(0, head_.find("\r\n"));
    head_.erase(0, end + 4);  // frames that came right behind the head stay
    return true;
  }
}

bool RawPeer::read_upgrade(std::string& error) {
  if (poll_upgrade(error)) return upgraded_;
  if (error.empty()) error = "no upgrade response in time";  // blocking: EAGAIN is the timeout
  return false;
}

bool RawPeer::recv_exact(char* out, std::size_t n, std::string& error) {
  const std::size_t buffered = std::min(n, head_.size());
  std::memcpy(out, head_.data(), buffered);
  head_.erase(0, buffered);
  for (std::size_t got = buffered; got < n;) {
    ssize_t r = ::recv(fd_, out + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      error = r == 0 ? "closed while reading a frame" : errno_text("recv");
      return false;
    }
    got += static_cast<std::size_t>(r);
  }
  return true;
}

bool RawPeer::read_frame(std::uint8_t& first, std::string& payload, std::string& error) {
  unsigned char h[2];
  if (!recv_exact(reinterpret_cast<char*>(h), 2, error)) return false;
  first = h[0];
  std::uint64_t len = h[1] & 0x7F;
  if (h[1] & 0x80) {
    error = "server frame is masked";
    return false;
  }
  if (len >= 126) {
    unsigned char ext[8];
    const std::size_t n = len == 126 ? 2 : 8;
    if (!recv_exact(reinterpret_cast<char*>(ext), n, error)) return false;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = len << 8 | ext[i];
  }
  if (len > 1024 * 1024) {
    error = "frame too long";
    return false;
  }
  payload.resize(static_cast<std::size_t>(len));
  return recv_exact(payload.data(), payload.size(), error);
}

bool RawPeer::send_close(std::string& error) {
  // FIN + close, masked, 2-byte payload: the code 1000 (0x03E8) XOR the mask.
  const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  const char frame[8] = {'\x88',
                         '\x82',
                         0x12,
                         0x34,
                         0x56,
                         0x78,
                         static_cast<char>(0x03 ^ mask[0]),
                         static_cast<char>(0xE8 ^ mask[1])};
  return send_all({frame, sizeof frame}, error);
}

bool RawPeer::wait_eof() {
  char buf[256];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;  // the server may cut rather than close
  }
}

void RawPeer::reset() {
  if (fd_ < 0) return;
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close();
}

void RawPeer::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace sluice::bench
