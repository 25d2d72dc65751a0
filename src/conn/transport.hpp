// Transport: the byte stream under a connection: a plain TCP socket, or a TLS session over one
// (TlsStream). The connection reads, writes vectors and half-closes through it, and asks it which
// readiness to register, so the frame and HTTP code above never know how bytes travel: a TLS
// session may need to read before it can write (its handshake), or hold a record that still has
// to go out after the connection's queue is empty.
//
// One word, so that a connection stays small: the plain socket's descriptor, or the TlsStream it
// owns with the low bit set. The plain path pays one bit test per call and no virtual call.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "conn/interest.hpp"
#include "conn/tls_stream.hpp"
#include "net/fd.hpp"
#include "net/socket.hpp"

namespace sluice::detail {

class Transport {
 public:
  Transport() = default;
  explicit Transport(Fd fd) : word_(plain_word(fd.release())) {}
  explicit Transport(std::unique_ptr<TlsStream> tls)
      : word_(tls ? reinterpret_cast<std::uintptr_t>(tls.release()) | kSecure : kClosed) {}
  Transport(Transport&& o) noexcept : word_(std::exchange(o.word_, kClosed)) {}
  Transport& operator=(Transport&& o) noexcept {
    if (this != &o) {
      close();
      word_ = std::exchange(o.word_, kClosed);
    }
    return *this;
  }
  ~Transport() { close(); }

  bool secure() const { return (word_ & kSecure) != 0; }
  int fd() const { return secure() ? tls()->fd() : plain_fd(); }  // -1 once closed
  bool is_open() const { return fd() >= 0; }
  void close();

  IoResult read(std::span<std::uint8_t> buf) {
    if (secure()) [[unlikely]]
      return tls()->read(buf);
    return read_some(plain_fd(), buf);
  }
  IoResult write(const iovec* iov, int count) {
    if (secure()) [[unlikely]]
      return tls()->write(iov, count);
    return write_some(plain_fd(), iov, count);
  }
  // Our last byte is out: the peer sees end of stream (RFC 6455 §7.1.1, the server closes first);
  // over TLS our close_notify goes first.
  void shutdown_write() {
    if (secure()) return tls()->shutdown_write();
    detail::shutdown_write(plain_fd());
  }

  // Bytes the transport took but the socket has not (TLS: a record, a handshake flight, a
  // close_notify): the connection waits for writability and calls flush_output().
  bool holds_output() const { return secure() && tls()->holds_output(); }
  bool flush_output() { return !secure() || tls()->flush_output(); }  // false: cut the connection
  // Client side, once connected: TLS sends its ClientHello. False: failure() says why.
  bool start_handshake() { return !secure() || tls()->start_handshake(); }
  // Why the transport failed (a TLS handshake or record error), for the log or on_error.
  std::string_view failure() const {
    return secure() ? std::string_view(tls()->failure()) : std::string_view();
  }

  // What to register with the loop when the connection wants `wanted` (`changed`: which differs
  // from what it wanted before); nothing when the registration stands. A plain socket waits for
  // what the connection wants; TLS lets its handshake lead and adds writability while it holds
  // output.
  std::optional<Interest> rewatch(Interest wanted, bool changed) {
    if (secure()) return tls()->rewatch(wanted);
    if (!changed) return std::nullopt;
    return wanted;
  }

  // Bytes the peer has not acknowledged yet, below us (SIOCOUTQ); 0 once closed.
  std::size_t unsent_below() const { return is_open() ? kernel_unsent_bytes(fd()) : 0; }

 private:
  static constexpr std::uintptr_t kSecure = 1;
  // The descriptor, shifted past the tag bit; -1 (closed) stays -1 when shifted back.
  static constexpr std::uintptr_t plain_word(int fd) {
    return static_cast<std::uintptr_t>(static_cast<std::uint32_t>(fd)) << 1;
  }
  // plain_word(-1): a closed socket.
  static constexpr std::uintptr_t kClosed = std::uintptr_t{0xFFFFFFFF} << 1;
  int plain_fd() const { return static_cast<int>(static_cast<std::uint32_t>(word_ >> 1)); }
  TlsStream* tls() const { return reinterpret_cast<TlsStream*>(word_ & ~kSecure); }

  std::uintptr_t word_ = kClosed;
};

inline void Transport::close() {
  if (secure()) {
    delete tls();
  } else if (plain_fd() >= 0) {
    ::close(plain_fd());
  }
  word_ = kClosed;
}

}  // namespace sluice::detail
