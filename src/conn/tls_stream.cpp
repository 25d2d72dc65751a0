#include "conn/tls_stream.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "log.hpp"
#include "mem/footprint.hpp"
#include "net/tls_client_context.hpp"
#include "net/tls_memory.hpp"
#include "net/tls_server_context.hpp"

namespace sluice::detail {
namespace {

// One TLS record's worth of plaintext (RFC 8446 §5.1): the most one SSL_write is given, so that
// a write the socket does not take whole leaves exactly one record with OpenSSL.
constexpr std::size_t kRecord = 16 * 1024;

// Where small queued frames are gathered into one record: per thread, made on first use.
std::uint8_t* gather_buffer() {
  thread_local std::unique_ptr<std::uint8_t[]> buffer;
  if (!buffer) buffer = std::make_unique<std::uint8_t[]>(kRecord);
  return buffer.get();
}

// The next at most kRecord bytes of an iovec array: straight from a slice when one slice holds
// them (or is the last), else gathered from several into the per-thread buffer.
class Chunks {
 public:
  Chunks(const iovec* iov, int count) : iov_(iov), end_(iov + count) { skip_empty(); }
  bool done() const { return iov_ == end_; }

  std::span<const std::uint8_t> next() {
    const std::size_t left = iov_->iov_len - offset_;
    if (left >= kRecord || iov_ + 1 == end_) return take(std::min(left, kRecord));
    std::uint8_t* out = gather_buffer();
    std::size_t n = 0;
    while (!done() && n < kRecord) {
      std::span<const std::uint8_t> part = take(std::min(iov_->iov_len - offset_, kRecord - n));
      std::memcpy(out + n, part.data(), part.size());
      n += part.size();
    }
    return {out, n};
  }

 private:
  std::span<const std::uint8_t> take(std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(iov_->iov_base) + offset_;
    offset_ += n;
    if (offset_ == iov_->iov_len) {
      ++iov_;
      offset_ = 0;
      skip_empty();
    }
    return {p, n};
  }
  void skip_empty() {
    while (iov_ != end_ && iov_->iov_len == 0) ++iov_;
  }

  const iovec* iov_;
  const iovec* end_;
  std::size_t offset_ = 0;
};

}  // namespace

// Around every call into OpenSSL: what the call left allocated (or freed) moves the charge.
class TlsStream::Charge {
 public:
  explicit Charge(TlsStream& s) : s_(s), before_(tls_memory_balance()) {}
  ~Charge() { s_.charge_change(before_); }
  Charge(const Charge&) = delete;
  Charge& operator=(const Charge&) = delete;

 private:
  TlsStream& s_;
  std::int64_t before_;
};

std::unique_ptr<TlsStream> TlsStream::accept(Fd fd, std::shared_ptr<const TlsServerContext> context,
                                             MemoryAllowance& allowance) {
  const std::int64_t before = tls_memory_balance();  // SSL_new's allocations count too
  SSL* ssl = context->new_session().release();
  const bool kernel_tls = context->kernel_tls();
  return open(std::move(fd), ssl, std::move(context), allowance, kernel_tls, before);
}

std::unique_ptr<TlsStream> TlsStream::connect(Fd fd, const TlsClientContext& context, const std::string& host,
                                              MemoryAllowance& allowance) {
  const std::int64_t before = tls_memory_balance();
  SSL* ssl = context.new_session(host).release();
  return open(std::move(fd), ssl, nullptr, allowance, false, before);
}

std::unique_ptr<TlsStream> TlsStream::open(Fd fd, SSL* ssl, std::shared_ptr<const void> context,
                                           MemoryAllowance& allowance, bool kernel_tls, std::int64_t before) {
  std::unique_ptr<TlsStream> s(new TlsStream(std::move(fd), std::move(context), allowance));
  s->ssl_ = ssl;
  bool ok = ssl != nullptr;
  if (ok && kernel_tls) {
    ok = SSL_set_fd(ssl, s->socket_.fd) == 1;
  } else if (ok) {
    BIO* bio = new_tls_socket_bio(&s->socket_);
    if (bio) SSL_set_bio(ssl, bio, bio);
    ok = bio != nullptr;
  }
  s->charge_change(before);
  if (!ok) {
    ERR_clear_error();
    return nullptr;
  }
  s->server_ = SSL_is_server(ssl) == 1;
  // What start() and start_client() register: a server reads first, a client waits to connect.
  s->registered_ = s->server_ ? Interest{true, false} : Interest{false, true};
  return s;
}

TlsStream::TlsStream(Fd fd, std::shared_ptr<const void> context, MemoryAllowance& allowance)
    : fd_(std::move(fd)),
      context_(std::move(context)),
      allowance_(allowance),
      charged_(mem::malloc_footprint(sizeof(TlsStream))) {
  socket_.fd = fd_.get();
  allowance_.charge(charged_);
}

TlsStream::~TlsStream() {
  if (ssl_) {
    Charge charge(*this);
    SSL_free(ssl_);
  }
  allowance_.uncharge(charged_);
}

void TlsStream::charge_change(std::int64_t before) {
  const std::int64_t delta = tls_memory_balance() - before;
  if (delta == 0) return;
  const std::int64_t after = std::max<std::int64_t>(0, static_cast<std::int64_t>(charged_) + delta);
  if (after > static_cast<std::int64_t>(charged_)) {
    allowance_.charge(static_cast<std::size_t>(after) - charged_);
  } else {
    allowance_.uncharge(charged_ - static_cast<std::size_t>(after));
  }
  charged_ = static_cast<std::size_t>(after);
}

IoResult TlsStream::read(std::span<std::uint8_t> buf) {
  Charge charge(*this);
  std::size_t n = 0;
  const int r = SSL_read_ex(ssl_, buf.data(), buf.size(), &n);
  if (!established_) [[unlikely]]
    note_established();
  if (r == 1) return IoResult::done_(n);
  return outcome(r);
}

IoResult TlsStream::write(const iovec* iov, int count) {
  Charge charge(*this);
  if (!settle_pending()) return IoResult::failed(EPROTO);
  if (!established_ || owed_ > 0) return {IoResult::Kind::would_block};
  std::size_t taken = 0;
  for (Chunks chunks(iov, count); !chunks.done();) {
    std::span<const std::uint8_t> chunk = chunks.next();
    std::size_t written = 0;
    const int r = SSL_write_ex(ssl_, chunk.data(), chunk.size(), &written);
    if (r == 1) {
      taken += chunk.size();
      continue;
    }
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_WRITE) {
      // The record is built and partly sent: OpenSSL keeps it, and the retry finishes it.
      owed_ = static_cast<std::uint32_t>(chunk.size());
      taken += chunk.size();
      break;
    }
    IoResult o = outcome(r);
    if (o.kind != IoResult::Kind::would_block || taken == 0) return o;
    break;
  }
  return IoResult::done_(taken);
}

bool TlsStream::flush_output() {
  Charge charge(*this);
  return settle_pending();
}

bool TlsStream::start_handshake() {
  Charge charge(*this);
  return handshake_step();
}

void TlsStream::shutdown_write() {
  Charge charge(*this);
  if (!established_ || !failure_.empty()) {
    ::shutdown(socket_.fd, SHUT_WR);
    return;
  }
  const int r = SSL_shutdown(ssl_);
  if (r < 0 && SSL_get_error(ssl_, r) == SSL_ERROR_WANT_WRITE) {
    shutdown_owed_ = true;
    return;
  }
  ERR_clear_error();
  ::shutdown(socket_.fd, SHUT_WR);
}

std::optional<Interest> TlsStream::rewatch(Interest wanted) {
  Interest i = wanted;
  if (!established_) {
    i = {want_ != Want::write, want_ == Want::write};  // the handshake leads
  } else {
    i.write = wanted.write || holds_output();
  }
  if (i == registered_) return std::nullopt;
  registered_ = i;
  return i;
}

bool TlsStream::handshake_step() {
  const int r = SSL_do_handshake(ssl_);
  note_established();
  if (r == 1) return true;
  return outcome(r).kind != IoResult::Kind::error;
}

bool TlsStream::settle_pending() {
  if (!established_ && want_ == Want::write && !handshake_step()) return false;
  if (owed_ > 0) {
    // The same length again from any address (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER): OpenSSL only
    // finishes sending the record it built from the original bytes.
    std::size_t written = 0;
    const int r = SSL_write_ex(ssl_, gather_buffer(), owed_, &written);
    if (r != 1) return outcome(r).kind != IoResult::Kind::error;
    owed_ = 0;
  }
  if (shutdown_owed_) {
    const int r = SSL_shutdown(ssl_);
    if (r < 0 && SSL_get_error(ssl_, r) == SSL_ERROR_WANT_WRITE) return true;
    ERR_clear_error();
    shutdown_owed_ = false;
    ::shutdown(socket_.fd, SHUT_WR);
  }
  return true;
}

IoResult TlsStream::outcome(int ret) {
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ: want_ = Want::read; return {IoResult::Kind::would_block};
    case SSL_ERROR_WANT_WRITE: want_ = Want::write; return {IoResult::Kind::would_block};
    case SSL_ERROR_ZERO_RETURN: return {IoResult::Kind::closed};  // the peer's close_notify
    default: break;
  }
  const unsigned long e = ERR_peek_error();
  if (socket_.eof || ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    ERR_clear_error();
    return {IoResult::Kind::closed};  // the peer went away without a close_notify
  }
  if (e == 0) {
    // A system call failed: our BIO kept its errno; OpenSSL's own socket BIO left it in errno.
    const int err = socket_.error != 0 ? socket_.error : errno;
    if (err == 0 || err == ECONNRESET || err == EPIPE) return {IoResult::Kind::closed};
    return IoResult::failed(err);
  }
  fail(e);
  ERR_clear_error();
  return IoResult::failed(EPROTO);
}

void TlsStream::fail(unsigned long e) {
  const int reason = ERR_GET_REASON(e);
  const char* text = ERR_reason_error_string(e);
  const std::string why = text ? text : "unknown error";
  if (reason == SSL_R_HTTP_REQUEST || reason == SSL_R_HTTPS_PROXY_REQUEST) {
    failure_ = "plain HTTP request on the TLS port";
    return;
  }
  if (established_) {
    failure_ = "TLS error: " + why;
    return;
  }
  const OSSL_HANDSHAKE_STATE state = SSL_get_state(ssl_);
  if (server_ && (state == TLS_ST_BEFORE || state == TLS_ST_SR_CLNT_HELLO)) {
    failure_ = "bad client hello: " + why;
  } else if (!server_ && reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    failure_ = std::string("TLS handshake failed: certificate verify failed: ") +
               X509_verify_cert_error_string(SSL_get_verify_result(ssl_));
  } else {
    failure_ = "TLS handshake failed: " + why;
  }
}

void TlsStream::note_established() {
  if (established_ || !SSL_is_init_finished(ssl_)) return;
  established_ = true;
  want_ = Want::nothing;
  if (log_level() > LogLevel::debug) return;
  const unsigned char* alpn = nullptr;
  unsigned int alpn_size = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpn_size);
  const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  log(LogLevel::debug, "{}: {} {}, ALPN {}, server name {}, kernel TLS send {} receive {}",
      describe_peer(fd()), SSL_get_version(ssl_), SSL_get_cipher_name(ssl_),
      alpn_size ? std::string_view(reinterpret_cast<const char*>(alpn), alpn_size) : "none",
      name ? name : "none", BIO_get_ktls_send(SSL_get_wbio(ssl_)) ? "on" : "off",
      BIO_get_ktls_recv(SSL_get_rbio(ssl_)) ? "on" : "off");
}

}  // namespace sluice::detail
