// RawSocket: one TCP connection on the loopback interface whose every wait is bounded. It
// connects (optionally with a small SO_RCVBUF, to play a consumer that stops reading) or adopts
// an accepted socket, writes all bytes or as many as the kernel takes right now, receives what
// arrives before a deadline, and tells a clean EOF from a reset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "deadline.hpp"

namespace sluice_test {

// eof: the peer ended the connection cleanly; reset: it reset it (RST), e.g. by closing with
// unread data; error: any other failure, or no socket at all.
enum class ReadStatus { ok, timeout, eof, reset, error };
const char* to_string(ReadStatus s);

class RawSocket {
 public:
  RawSocket() = default;
  // Adopts a connected socket (from accept(), say); -1 gives a socket that is not valid().
  explicit RawSocket(int fd);
  // Connects to 127.0.0.1:port; a non-zero `rcvbuf` is set as SO_RCVBUF before connect(), when
  // it still decides the window. Not valid() when the connection is refused.
  static RawSocket connect_loopback(std::uint16_t port, int rcvbuf = 0);

  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool valid() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // Writes every byte or returns false (error, or the peer took nothing for `timeout`).
  bool send_all(std::string_view bytes, milliseconds timeout = kWait);
  // Writes as much of `bytes` as the socket takes right now; returns how many (0 when full).
  std::size_t send_some(std::string_view bytes);
  // Receives into `into` what is there, waiting until `deadline` for something; `got` is the
  // count on ok.
  ReadStatus receive(std::span<char> into, Clock::time_point deadline, std::size_t& got);

  void shutdown_write();
  void close();

 private:
  int fd_ = -1;
};

}  // namespace sluice_test
