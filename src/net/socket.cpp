#include "net/socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <cerrno>

#include <cstdio>
#include <cstring>
#include <system_error>

namespace sluice::detail {
namespace {

IoResult from_errno(int err) {
  if (err == EAGAIN || err == EWOULDBLOCK) return {IoResult::Kind::would_block};
  if (err == ECONNRESET || err == EPIPE) return {IoResult::Kind::closed};
  return IoResult::failed(err);
}

}  // namespace

namespace socket_detail {

IoResult read_retry(int fd, std::span<std::uint8_t> buf, ssize_t n) {
  for (;;) {
    if (n > 0) return IoResult::done_(static_cast<std::size_t>(n));
    if (n == 0) return {IoResult::Kind::closed};
    if (errno != EINTR) return from_errno(errno);
    n = ::read(fd, buf.data(), buf.size());
  }
}

IoResult write_retry(int fd, const iovec* iov, int count) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(iov);
  msg.msg_iovlen = static_cast<std::size_t>(count);
  for (;;) {
    if (errno != EINTR) return from_errno(errno);
    ssize_t n = ::sendmsg(fd, &msg, kSendFlags);
    if (n >= 0) return IoResult::done_(static_cast<std::size_t>(n));
  }
}

}  // namespace socket_detail

IoResult write_some(int fd, std::span<const std::uint8_t> buf) {
  iovec v{const_cast<std::uint8_t*>(buf.data()), buf.size()};
  return write_some(fd, &v, 1);
}

IoResult accept_one(int listen_fd, Fd& out, sockaddr_storage* peer) {
  for (;;) {
    socklen_t len = sizeof(sockaddr_storage);
    int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(peer), peer ? &len : nullptr,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      out.reset(fd);
      return IoResult::done_(0);
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    return from_errno(errno);
  }
}

std::uint64_t peer_key(const sockaddr_storage& peer) {
  if (peer.ss_family == AF_INET) {
    return 0xFFFF00000000ull | ntohl(reinterpret_cast<const sockaddr_in&>(peer).sin_addr.s_addr);
  }
  if (peer.ss_family != AF_INET6) return 0;
  const std::uint8_t* a = reinterpret_cast<const sockaddr_in6&>(peer).sin6_addr.s6_addr;
  std::uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) hi = hi << 8 | a[i];
  for (int i = 8; i < 16; ++i) lo = lo << 8 | a[i];
  // ::ffff:a.b.c.d is the IPv4 peer it stands for; any other address counts by its /64 (an
  // IPv4 key, 0xFFFF followed by the address, is no routable /64).
  if (hi == 0 && (lo >> 32) == 0xFFFF) return 0xFFFF00000000ull | (lo & 0xFFFFFFFFull);
  return hi;
}

void refuse_now(Fd fd, std::string_view response) {
  std::uint8_t discard[4096];
  while (::read(fd.get(), discard, sizeof discard) > 0) {
  }
  write_some(fd.get(), {reinterpret_cast<const std::uint8_t*>(response.data()), response.size()});
  ::shutdown(fd.get(), SHUT_WR);
}

void SpareFd::reopen() {
  if (!fd_) fd_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}

IoResult connect_start(const sockaddr* addr, socklen_t len, Fd& out) {
  Fd fd(::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return IoResult::failed(errno);
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd.get(), addr, len) != 0 && errno != EINPROGRESS) return IoResult::failed(errno);
  out = std::move(fd);
  return IoResult::done_(0);
}

int pending_error(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

Fd listen_tcp(const std::string& host, std::uint16_t port, int backlog, bool reuse_port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) {
    throw std::system_error(EINVAL, std::generic_category(),
                            "cannot resolve listen address '" + host + "': " + gai_strerror(rc));
  }
  int last_err = 0;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    Fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
      last_err = errno;
      continue;
    }
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuse_port) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd.get(), backlog) == 0) {
      ::freeaddrinfo(res);
      return fd;
    }
    last_err = errno;
  }
  ::freeaddrinfo(res);
  throw std::system_error(last_err, std::generic_category(),
                          "cannot listen on " + host + ":" + std::to_string(port));
}

std::uint16_t local_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

void shutdown_write(int fd) { ::shutdown(fd, SHUT_WR); }

void set_send_buffer(int fd, int bytes) { ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes); }

std::size_t kernel_unsent_bytes(int fd) {
  int n = 0;
  if (::ioctl(fd, SIOCOUTQ, &n) != 0 || n < 0) return 0;
  return static_cast<std::size_t>(n);
}

std::string peer_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  char host[INET6_ADDRSTRLEN] = "";
  if (ss.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, host, sizeof host);
  } else if (ss.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, host, sizeof host);
  }
  return host;
}

std::string describe_peer(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  char host[INET6_ADDRSTRLEN] = "?";
  char out[INET6_ADDRSTRLEN + 16];
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    std::snprintf(out, sizeof out, "%s:%u", host, ntohs(a->sin_port));
    return out;
  }
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    std::snprintf(out, sizeof out, "[%s]:%u", host, ntohs(a->sin6_port));
    return out;
  }
  return "?";
}

}  // namespace sluice::detail
