// TlsStream: one connection's TLS session over its socket, the secure kind of Transport. It
// drives the handshake through OpenSSL as bytes arrive (a server's from its first read, a
// client's from start_handshake), then reads and writes application bytes, and says which
// readiness it waits for: during the handshake what OpenSSL asked for, afterwards what the
// connection wants plus writability while a record waits to go out.
//
// Once a TLS 1.3 handshake is done, the records are taken from OpenSSL (tls_records.hpp) and its
// session is freed: an idle connection then holds two AEAD contexts and a few secrets instead of
// OpenSSL's 14 KiB. TLS 1.2, a suite not taken over (CCM), and a session the kernel took
// (kernel TLS) stay with OpenSSL.
//
// A write seals at most one record (16 KiB) at a time and stops at the first the socket will not
// take whole: the rest of that record is held here (or by OpenSSL) from then on (its bytes leave
// the connection's queue, so no policy can drop half of what is on the wire) and goes out before
// anything else. A read takes what the socket has; a record not complete yet is held until the
// rest arrives. Held bytes, and what OpenSSL holds for the session (tls_memory.hpp), are charged
// to the endpoint's memory allowance, and given back when they go.
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
#include "net/tls_handoff.hpp"
#include "net/tls_records.hpp"
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

  // Application bytes into `buf`, which must hold a whole record (TlsRecords::kMaxWire) besides
  // one held back; would_block while the handshake is under way or a record is incomplete;
  // closed at the peer's close_notify or end of stream; error with failure() set when TLS fails.
  IoResult read(std::span<std::uint8_t> buf);
  // Encrypts and sends from `iov`; `bytes` counts what OpenSSL took, including a last record the
  // socket has only partly taken (holds_output() is then true). would_block before the
  // handshake is complete or while an earlier record is still going out.
  IoResult write(const iovec* iov, int count);
  // Output the socket has not taken: a record, a handshake flight, a key update, a close_notify.
  bool holds_output() const {
    return owed_ > 0 || held_out_.size > 0 || closing_ == Closing::notify_owed ||
           closing_ == Closing::fin_owed || (records_ && records_->key_update_owed()) ||
           (stage_ == Stage::handshake && want_ == Want::write);
  }
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
  enum class Stage : std::uint8_t {
    handshake,  // OpenSSL makes it
    openssl,    // established; OpenSSL keeps the records
    own,        // established; records_ keeps them
    own_ended,  // the peer's close_notify came: reads end, writes go on
  };
  enum class Want : std::uint8_t { nothing, read, write };  // what OpenSSL last asked for
  enum class Closing : std::uint8_t {
    open,
    notify_owed,  // our close_notify waits for room
    fin_owed,     // it is sealed; the TCP half-close follows the held bytes
    done,
  };
  // Bytes held between calls: a record's beginning read, or the end of one the socket did not take.
  struct Held {
    std::unique_ptr<std::uint8_t[]> bytes;
    std::uint32_t size = 0;
    std::uint32_t offset = 0;  // what of it has gone out (output)
  };
  class Charge;

  // Takes `ssl` (null: fails). `kernel_tls`: OpenSSL's own socket BIO, through which it can hand
  // the session to the kernel. `before`: the allocation balance before `ssl` was made.
  static std::unique_ptr<TlsStream> open(Fd fd, SSL* ssl, std::shared_ptr<const void> context,
                                         MemoryAllowance& allowance, bool kernel_tls, std::int64_t before);
  TlsStream(Fd fd, std::shared_ptr<const void> context, MemoryAllowance& allowance);
  bool handshake_step();  // false when TLS failed
  bool settle_pending();  // false when TLS failed
  IoResult outcome(int ret);
  void on_established();
  void fail(unsigned long error);
  void charge_change(std::int64_t before);

  // Our own records (Stage::own).
  IoResult read_records(std::span<std::uint8_t> buf);
  IoResult write_records(const iovec* iov, int count);
  bool settle_records();                                   // false when TLS failed
  bool send_sealed(const std::uint8_t* p, std::size_t n);  // what the socket does not take is held
  IoResult refuse(std::uint8_t alert, const char* why);    // a protocol error in what the peer sent
  IoResult ended_writing() const;                          // why a write of ours could not go
  void hold(Held& h, const std::uint8_t* p, std::size_t n);
  void release(Held& h);

  Fd fd_;
  TlsSocket socket_;                     // the BIO's view of fd_
  SSL* ssl_ = nullptr;                   // until the records are taken
  std::unique_ptr<TlsHandoff> handoff_;  // during the handshake
  std::unique_ptr<TlsRecords> records_;
  std::shared_ptr<const void> context_;
  MemoryAllowance& allowance_;
  std::size_t charged_ = 0;  // what OpenSSL holds for this session, as charged to the allowance
  Held held_in_;             // the beginning of a record
  Held held_out_;            // sealed bytes the socket has not taken: sent first
  std::uint32_t owed_ = 0;   // bytes of a record OpenSSL took but the socket did not: retried first
  Interest registered_;
  Stage stage_ = Stage::handshake;
  Want want_ = Want::nothing;
  Closing closing_ = Closing::open;
  bool server_ = false;
  std::string failure_;
};

}  // namespace sluice::detail
