// Transport: the byte stream under a connection, plain TCP today. The connection reads, writes
// vectors and half-closes through it, and asks it which readiness to wait for, so the frame
// and HTTP code above never know how bytes travel (a TLS transport fits the same seam: it may
// need to read before it can write, or the other way round).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "net/fd.hpp"
#include "net/socket.hpp"

namespace sluice::detail {

// The readiness a connection waits for.
struct Interest {
  bool read = true;
  bool write = false;
  bool operator==(const Interest&) const = default;
};

class Transport {
 public:
  Transport() = default;
  explicit Transport(Fd fd) : fd_(std::move(fd)) {}

  int fd() const { return fd_.get(); }  // -1 once closed
  bool is_open() const { return fd_.valid(); }
  void close() { fd_.reset(); }

  IoResult read(std::span<std::uint8_t> buf) { return read_some(fd_.get(), buf); }
  IoResult write(const iovec* iov, int count) { return write_some(fd_.get(), iov, count); }
  // Our last byte is out: the peer sees end of stream (RFC 6455 §7.1.1, the server closes first).
  void shutdown_write() { detail::shutdown_write(fd_.get()); }
  // What the connection waits for, given what it wants: for plain TCP, exactly that.
  Interest interest(Interest wanted) const { return wanted; }

  // Bytes the peer has not acknowledged yet, below us (SIOCOUTQ); 0 once closed.
  std::size_t unsent_below() const { return fd_ ? kernel_unsent_bytes(fd_.get()) : 0; }

 private:
  Fd fd_;
};

}  // namespace sluice::detail
