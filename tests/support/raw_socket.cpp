// A loopback TCP connection whose every wait is bounded by poll(); see raw_socket.hpp.
#include "raw_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace sluice_test {

const char* to_string(ReadStatus s) {
  switch (s) {
    case ReadStatus::ok: return "ok";
    case ReadStatus::timeout: return "timeout";
    case ReadStatus::eof: return "eof";
    case ReadStatus::reset: return "reset";
    case ReadStatus::error: return "error";
  }
  return "?";
}

// Non-blocking from here on: every wait is a poll() with a deadline, never a blocking call.
RawSocket::RawSocket(int fd) : fd_(fd) {
  if (fd_ >= 0) ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

RawSocket RawSocket::connect_loopback(std::uint16_t port, int rcvbuf) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return RawSocket();
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return RawSocket();
  }
  return RawSocket(fd);
}

RawSocket::~RawSocket() { close(); }

void RawSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void RawSocket::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool RawSocket::send_all(std::string_view bytes, milliseconds timeout) {
  if (fd_ < 0) return false;
  auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return false;
    pollfd p{fd_, POLLOUT, 0};
    int left = ms_left(deadline);
    if (left == 0 || ::poll(&p, 1, left) <= 0) return false;
  }
  return true;
}

std::size_t RawSocket::send_some(std::string_view bytes) {
  if (fd_ < 0) return 0;
  ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

ReadStatus RawSocket::receive(std::span<char> into, Clock::time_point deadline, std::size_t& got) {
  got = 0;
  if (fd_ < 0) return ReadStatus::error;
  for (;;) {
    ssize_t n = ::recv(fd_, into.data(), into.size(), 0);
    if (n > 0) {
      got = static_cast<std::size_t>(n);
      return ReadStatus::ok;
    }
    if (n == 0) return ReadStatus::eof;
    if (errno == ECONNRESET) return ReadStatus::reset;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return ReadStatus::error;
    pollfd p{fd_, POLLIN, 0};
    int left = ms_left(deadline);
    if (left == 0) return ReadStatus::timeout;
    if (::poll(&p, 1, left) < 0 && errno != EINTR) return ReadStatus::error;
  }
}

}  // namespace sluice_test
