// The only code that calls read, sendmsg, accept4, socket and friends. Syscall outcomes become
// an IoResult here, so nobody else reads errno.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "net/fd.hpp"

namespace sluice::detail {

// Sixteen bytes, so that it comes back in two registers from every read and write.
struct IoResult {
  enum class Kind : std::uint8_t { done, would_block, closed, error };
  Kind kind;
  int error = 0;          // errno, for error
  std::size_t bytes = 0;  // for done

  static IoResult done_(std::size_t n) { return {Kind::done, 0, n}; }
  static IoResult failed(int err) { return {Kind::error, err, 0}; }
  bool ok() const { return kind == Kind::done; }
};

namespace socket_detail {
inline constexpr int kSendFlags = MSG_NOSIGNAL | MSG_DONTWAIT;
// The rare outcomes (end of stream, EINTR, errors), out of line.
IoResult read_retry(int fd, std::span<std::uint8_t> buf, ssize_t n);
IoResult write_retry(int fd, const iovec* iov, int count);
}  // namespace socket_detail

// Reads what is available into `buf` (one read call, more only after EINTR). Inline: one per
// message.
inline IoResult read_some(int fd, std::span<std::uint8_t> buf) {
  ssize_t n = ::read(fd, buf.data(), buf.size());
  if (n > 0) return IoResult::done_(static_cast<std::size_t>(n));
  return socket_detail::read_retry(fd, buf, n);
}
// Gathers `iov` into one sendmsg with MSG_NOSIGNAL, so a dead peer never raises SIGPIPE. One
// buffer (a reply: the usual flush) goes by send(), which needs no message header built.
inline IoResult write_some(int fd, const iovec* iov, int count) {
  ssize_t n;
  if (count == 1) {
    n = ::send(fd, iov[0].iov_base, iov[0].iov_len, socket_detail::kSendFlags);
  } else {
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(iov);
    msg.msg_iovlen = static_cast<std::size_t>(count);
    n = ::sendmsg(fd, &msg, socket_detail::kSendFlags);
  }
  if (n >= 0) return IoResult::done_(static_cast<std::size_t>(n));
  return socket_detail::write_retry(fd, iov, count);
}
// Writes a small control message (best effort, used when cutting a connection).
IoResult write_some(int fd, std::span<const std::uint8_t> buf);

// Accepts one connection as non-blocking, close-on-exec with TCP_NODELAY set; `peer` receives
// its address when given.
IoResult accept_one(int listen_fd, Fd& out, sockaddr_storage* peer = nullptr);
// A connection's peer as one number for per-address limits: an IPv4 address whole (also when
// IPv4-mapped), an IPv6 address by its /64 prefix, which is what one host is usually given.
std::uint64_t peer_key(const sockaddr_storage& peer);
// Reads and discards what the peer has sent so far, answers with `response` and closes: a
// best-effort refusal for when no connection can be kept for it (no fd to spare).
void refuse_now(Fd fd, std::string_view response);
// Keeps one fd open on /dev/null so that, with the process out of fds, one can be freed for a
// moment to accept and refuse a connection instead of leaving it in the backlog.
class SpareFd {
 public:
  SpareFd() { reopen(); }
  void release() { fd_.reset(); }
  void reopen();
  bool held() const { return fd_.valid(); }

 private:
  Fd fd_;
};

// Starts a non-blocking connect; done (bytes = 0) when it is under way or complete. The outcome
// shows as writability, then pending_error().
IoResult connect_start(const sockaddr* addr, socklen_t len, Fd& out);
int pending_error(int fd);  // SO_ERROR: 0 once a connect succeeded

// Binds and listens on host:port (IPv4 or IPv6 literal or name). Throws std::system_error.
Fd listen_tcp(const std::string& host, std::uint16_t port, int backlog, bool reuse_port);
std::uint16_t local_port(int fd);

void shutdown_write(int fd);
void set_send_buffer(int fd, int bytes);
// Bytes in the socket's send buffer that the peer has not acknowledged (SIOCOUTQ).
std::size_t kernel_unsent_bytes(int fd);
std::string describe_peer(int fd);  // "ip:port" for log lines
std::string peer_address(int fd);   // "ip" alone; empty when unknown

}  // namespace sluice::detail
