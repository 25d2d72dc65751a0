// TlsStream: one connection's TLS session over its socket, the secure kind of Transport. It
// reads and writes application bytes through OpenSSL, drives the handshake as bytes arrive
// (a server's from its first read, a client's from start_handshake), and says which readiness
// it waits for: during the handshake what OpenSSL asked for, afterwards what the connection
// wants plus writability while a record waits to go out.
//
// A write encrypts at most one record (16 KiB) per SSL_write and stops at the first the socket
// will not take whole: that record is OpenSSL's from then on (its bytes leave the connection's
// queue, so no policy can drop half of what is on the wire) and goes out before anything else.
// What OpenSSL holds for the session is charged to the endpoint's memory allowance after every
// call (tls_memory.hpp), and given back when the session ends.
#pragma once

#include <openssl/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "conn/interest.hpp"
#include "net/fd.hpp"
#include "net/socket.hpp"
#include "net/tls_socket_bio.hpp"
#include "send/memory_budget.hpp"

namespace sluice::detail {

class TlsServerContext;
class TlsClientContext;

class TlsStream {
 public:
  // A server session over an accepted socket. It keeps `context` alive as long as it lives
  // (connections keep the certificates they began with across a reload). Null, with `fd`
  // closed, when OpenSSL cannot set it up; what it holds is charged to `allowance`.
  static std::unique_ptr<TlsStream> accept(Fd fd, std::shared_ptr<const TlsServerContext> context,
                                           MemoryAllowance& allowance);
  // A client session over a connecting socket, to `host` (checked against the certificate);
  // `context` must outlive it.
  static std::unique_ptr<TlsStream> connect(Fd fd, const TlsClientContext& context, const std::string& host,
                                            MemoryAllowance& allowance);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  int fd() const { return socket_.fd; }

  // Application bytes into `buf`; would_block while the handshake is under way or a record is
  // incomplete; closed at the peer's close_notify or end of stream; error with failure() set
  // when TLS fails.
  IoResult read(std::span<std::uint8_t> buf);
  // Encrypts and sends from `iov`; `bytes` counts what OpenSSL took, including a last record the
  // socket has only partly taken (holds_output() is then true). would_block before the
  // handshake is complete or while an earlier record is still going out.
  IoResult write(const iovec* iov, int count);
  // OpenSSL holds output the socket has not taken: a record, a handshake flight, a close_notify.
  bool holds_output() const { return owed_ > 0 || shutdown_owed_ || (!established_ && want_ == Want::write); }
  // Sends what is held, as far as the socket takes it; false when TLS failed (failure() says why).
  bool flush_output();
  // Client side: sends the ClientHello. False when TLS failed.
  bool start_handshake();
  // Our close_notify, then the TCP half-close (at once, or once it has gone out).
  void shutdown_write();

  // What to register with the loop, given what the connection `wanted`; nothing when that is
  // already registered.
  std::optional<Interest> rewatch(Interest wanted);

  // Why TLS failed, as one line for a log or on_error; empty while it has not.
  const std::string& failure() const { return failure_; }

 private:
  enum class Want : std::uint8_t { nothing, read, write };
  class Charge;

  // Takes `ssl` (null: fails). `kernel_tls`: OpenSSL's own socket BIO, through which it can hand
  // the session to the kernel. `before`: the allocation balance before `ssl` was made.
  static std::unique_ptr<TlsStream> open(Fd fd, SSL* ssl, std::shared_ptr<const void> context,
                                         MemoryAllowance& allowance, bool kernel_tls, std::int64_t before);
  TlsStream(Fd fd, std::shared_ptr<const void> context, MemoryAllowance& allowance);
  bool handshake_step();  // false when TLS failed
  bool settle_pending();  // false when TLS failed
  IoResult outcome(int ret);
  void note_established();
  void fail(unsigned long error);
  void charge_change(std::int64_t before);

  Fd fd_;
  TlsSocket socket_;  // the BIO's view of fd_
  SSL* ssl_ = nullptr;
  std::shared_ptr<const void> context_;
  MemoryAllowance& allowance_;
  std::size_t charged_ = 0;  // what this session holds, as charged to the allowance
  std::uint32_t owed_ = 0;   // bytes of a record OpenSSL took but the socket did not: retried first
  Interest registered_;
  Want want_ = Want::nothing;  // what OpenSSL last asked for
  bool server_ = false;
  bool established_ = false;
  bool shutdown_owed_ = false;  // the close_notify waits for room, then the TCP half-close
  std::string failure_;
};

}  // namespace sluice::detail
