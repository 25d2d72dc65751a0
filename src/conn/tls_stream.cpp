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
#include "net/tls_records.hpp"
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

// Where our records are sealed: per thread, made on first use.
std::uint8_t* seal_buffer() {
  thread_local std::unique_ptr<std::uint8_t[]> buffer;
  if (!buffer) buffer = std::make_unique<std::uint8_t[]>(TlsRecords::kMaxSealed);
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
  // The records become ours once a TLS 1.3 handshake is done, unless the kernel took them.
  s->handoff_ = std::make_unique<TlsHandoff>();
  allowance.charge(mem::malloc_footprint(sizeof(TlsHandoff)));
  if (ok) attach_handoff(ssl, s->handoff_.get());
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
  release(held_in_);
  release(held_out_);
  if (handoff_) allowance_.uncharge(mem::malloc_footprint(sizeof(TlsHandoff)));
  if (records_) allowance_.uncharge(mem::malloc_footprint(sizeof(TlsRecords)));
  allowance_.uncharge(charged_);
}

void TlsStream::hold(Held& h, const std::uint8_t* p, std::size_t n) {
  release(h);
  if (n == 0) return;
  h.bytes.reset(new std::uint8_t[n]);
  std::memcpy(h.bytes.get(), p, n);
  h.size = static_cast<std::uint32_t>(n);
  allowance_.charge(mem::malloc_footprint(n));
}

void TlsStream::release(Held& h) {
  if (h.size == 0) return;
  allowance_.uncharge(mem::malloc_footprint(h.size));
  h.bytes.reset();
  h.size = 0;
  h.offset = 0;
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
  if (stage_ == Stage::own) [[likely]]
    return read_records(buf);
  if (stage_ == Stage::own_ended) return {IoResult::Kind::closed};
  Charge charge(*this);
  if (stage_ == Stage::handshake) {
    // The handshake alone: OpenSSL reads no record past the peer's Finished, so none it read is
    // lost when the records become ours.
    const int r = SSL_do_handshake(ssl_);
    if (r != 1) return outcome(r);
    on_established();
    if (stage_ == Stage::own) return read_records(buf);
  }
  std::size_t n = 0;
  const int r = SSL_read_ex(ssl_, buf.data(), buf.size(), &n);
  if (r == 1) return IoResult::done_(n);
  return outcome(r);
}

IoResult TlsStream::write(const iovec* iov, int count) {
  if (records_) [[likely]]
    return write_records(iov, count);
  Charge charge(*this);
  if (!settle_pending()) return IoResult::failed(EPROTO);
  if (stage_ != Stage::openssl || owed_ > 0) return {IoResult::Kind::would_block};
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
  if (stage_ == Stage::handshake || !failure_.empty()) {
    ::shutdown(socket_.fd, SHUT_WR);
    closing_ = Closing::done;
    return;
  }
  closing_ = Closing::notify_owed;
  if (stage_ != Stage::openssl) {
    settle_records();
    return;
  }
  settle_pending();
}

std::optional<Interest> TlsStream::rewatch(Interest wanted) {
  Interest i = wanted;
  if (stage_ == Stage::handshake) {
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
  if (r == 1) {
    on_established();
    return true;
  }
  return outcome(r).kind != IoResult::Kind::error;
}

bool TlsStream::settle_pending() {
  // records_ is set once the handshake is done, also by the step just below.
  if (stage_ == Stage::handshake && want_ == Want::write && !handshake_step()) return false;
  if (records_) return settle_records();
  if (owed_ > 0) {
    // The same length again from any address (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER): OpenSSL only
    // finishes sending the record it built from the original bytes.
    std::size_t written = 0;
    const int r = SSL_write_ex(ssl_, gather_buffer(), owed_, &written);
    if (r != 1) return outcome(r).kind != IoResult::Kind::error;
    owed_ = 0;
  }
  if (closing_ == Closing::notify_owed && stage_ == Stage::openssl) {
    const int r = SSL_shutdown(ssl_);
    if (r < 0 && SSL_get_error(ssl_, r) == SSL_ERROR_WANT_WRITE) return true;
    ERR_clear_error();
    closing_ = Closing::done;
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
  if (stage_ != Stage::handshake) {
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

void TlsStream::on_established() {
  stage_ = Stage::openssl;
  want_ = Want::nothing;
  const bool kernel_tls = BIO_get_ktls_send(SSL_get_wbio(ssl_)) || BIO_get_ktls_recv(SSL_get_rbio(ssl_));
  if (handoff_) {
    if (!kernel_tls) records_ = TlsRecords::take(ssl_, *handoff_);
    attach_handoff(ssl_, nullptr);
    handoff_.reset();
    allowance_.uncharge(mem::malloc_footprint(sizeof(TlsHandoff)));
    if (records_) allowance_.charge(mem::malloc_footprint(sizeof(TlsRecords)));
  }
  if (log_level() <= LogLevel::debug) {
    const unsigned char* alpn = nullptr;
    unsigned int alpn_size = 0;
    SSL_get0_alpn_selected(ssl_, &alpn, &alpn_size);
    const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
    log(LogLevel::debug,
        "{}: {} {}, ALPN {}, server name {}, records kept by {}, kernel TLS send {} receive {}",
        describe_peer(fd()), SSL_get_version(ssl_), SSL_get_cipher_name(ssl_),
        alpn_size ? std::string_view(reinterpret_cast<const char*>(alpn), alpn_size) : "none",
        name ? name : "none", records_ ? "sluice" : "OpenSSL",
        BIO_get_ktls_send(SSL_get_wbio(ssl_)) ? "on" : "off",
        BIO_get_ktls_recv(SSL_get_rbio(ssl_)) ? "on" : "off");
  }
  if (!records_) return;
  SSL_free(ssl_);  // the session's memory goes; the socket BIO with it
  ssl_ = nullptr;
  stage_ = Stage::own;
}

IoResult TlsStream::read_records(std::span<std::uint8_t> buf) {
  Charge charge(*this);  // a key update makes OpenSSL allocate
  std::size_t have = held_in_.size;
  if (have > 0) {
    std::memcpy(buf.data(), held_in_.bytes.get(), have);
    release(held_in_);
  }
  const IoResult r = read_some(socket_.fd, buf.subspan(have));
  if (r.kind == IoResult::Kind::done) {
    have += r.bytes;
  } else if (r.kind != IoResult::Kind::would_block) {
    return r;  // the stream ended (a record cut short with it) or failed
  }
  std::size_t plain = 0;  // application bytes, moved to the front of buf
  std::size_t at = 0;
  while (at < have) {
    const TlsRecords::Size size = TlsRecords::record_size(buf.subspan(at, have - at));
    if (size.alert != 0) return refuse(size.alert, "TLS error: a bad record header");
    if (size.bytes == 0 || size.bytes > have - at) break;  // the rest comes later
    const TlsRecords::Received got = records_->open(buf.subspan(at, size.bytes));
    at += size.bytes;
    switch (got.kind) {
      case TlsRecords::Received::Kind::data:
        std::memmove(buf.data() + plain, got.data.data(), got.data.size());
        plain += got.data.size();
        break;
      case TlsRecords::Received::Kind::nothing: break;
      case TlsRecords::Received::Kind::close_notify:
        // Reads end here. The bytes before it go up first; the socket's read side is shut so
        // that the loop reports it readable again and the next read says the stream ended.
        stage_ = Stage::own_ended;
        ::shutdown(socket_.fd, SHUT_RD);
        return plain > 0 ? IoResult::done_(plain) : IoResult{IoResult::Kind::closed};
      case TlsRecords::Received::Kind::peer_alert:
        failure_ = std::string("TLS alert from the peer: ") + got.why;
        return IoResult::failed(EPROTO);
      case TlsRecords::Received::Kind::error: return refuse(got.alert, got.why);
    }
  }
  hold(held_in_, buf.data() + at, have - at);
  if (plain > 0) return IoResult::done_(plain);
  return {IoResult::Kind::would_block};
}

IoResult TlsStream::refuse(std::uint8_t alert, const char* why) {
  failure_ = why;
  if (alert != 0 && held_out_.size == 0) {  // best effort: the connection ends either way
    std::uint8_t* out = seal_buffer();
    const std::size_t n = records_->seal_alert(alert, out);
    iovec v{out, n};
    if (n > 0) write_some(socket_.fd, &v, 1);
  }
  return IoResult::failed(EPROTO);
}

IoResult TlsStream::write_records(const iovec* iov, int count) {
  if (!settle_records()) return ended_writing();
  if (closing_ == Closing::done) return {IoResult::Kind::closed};  // our close_notify went
  if (held_out_.size > 0 || closing_ != Closing::open) return {IoResult::Kind::would_block};
  std::uint8_t* out = seal_buffer();
  std::size_t taken = 0;
  for (Chunks chunks(iov, count); !chunks.done();) {
    const std::span<const std::uint8_t> chunk = chunks.next();
    const std::size_t n = records_->seal_data(chunk, out);
    if (n == 0) {
      failure_ = "TLS error: cannot seal a record";
      return IoResult::failed(EPROTO);
    }
    taken += chunk.size();  // sealed: it goes out whole, now or from held_out_
    if (!send_sealed(out, n)) return ended_writing();
    if (held_out_.size > 0) break;
    if (records_->key_update_owed()) {
      if (!settle_records()) return ended_writing();
      if (held_out_.size > 0) break;
    }
  }
  return IoResult::done_(taken);
}

IoResult TlsStream::ended_writing() const {
  if (!failure_.empty()) return IoResult::failed(EPROTO);
  if (socket_.error != 0) return IoResult::failed(socket_.error);
  return {IoResult::Kind::closed};
}

bool TlsStream::send_sealed(const std::uint8_t* p, std::size_t n) {
  iovec v{const_cast<std::uint8_t*>(p), n};
  const IoResult r = write_some(socket_.fd, &v, 1);
  switch (r.kind) {
    case IoResult::Kind::done:
      if (r.bytes < n) hold(held_out_, p + r.bytes, n - r.bytes);
      return true;
    case IoResult::Kind::would_block: hold(held_out_, p, n); return true;
    case IoResult::Kind::closed: socket_.eof = true; return false;
    case IoResult::Kind::error: socket_.error = r.error; return false;
  }
  return false;
}

bool TlsStream::settle_records() {
  if (held_out_.size > 0) {
    const std::uint32_t left = held_out_.size - held_out_.offset;
    iovec v{held_out_.bytes.get() + held_out_.offset, left};
    const IoResult r = write_some(socket_.fd, &v, 1);
    if (r.kind == IoResult::Kind::would_block) return true;
    if (r.kind == IoResult::Kind::closed) socket_.eof = true;
    if (r.kind == IoResult::Kind::error) socket_.error = r.error;
    if (r.kind != IoResult::Kind::done) return false;
    if (r.bytes < left) {
      held_out_.offset += static_cast<std::uint32_t>(r.bytes);
      return true;
    }
    release(held_out_);
  }
  std::uint8_t* out = seal_buffer();
  if (records_->key_update_owed()) {
    Charge charge(*this);  // the next key's context
    const std::size_t n = records_->seal_key_update(out);
    if (n == 0) {
      failure_ = "TLS error: cannot update the key";
      return false;
    }
    if (!send_sealed(out, n)) return false;
    if (held_out_.size > 0) return true;
  }
  if (closing_ == Closing::notify_owed) {
    const std::size_t n = records_->seal_alert(0, out);
    if (n == 0 || !send_sealed(out, n)) return false;
    closing_ = Closing::fin_owed;
    if (held_out_.size > 0) return true;
  }
  if (closing_ == Closing::fin_owed) {
    ::shutdown(socket_.fd, SHUT_WR);
    closing_ = Closing::done;
  }
  return true;
}

}  // namespace sluice::detail
