#include "net/tls_socket_bio.hpp"

#include <openssl/bio.h>

#include <cstdint>
#include <span>

#include "net/socket.hpp"

namespace sluice::detail {
namespace {

TlsSocket& socket_of(BIO* b) { return *static_cast<TlsSocket*>(BIO_get_data(b)); }

int bio_read(BIO* b, char* out, int len) {
  BIO_clear_retry_flags(b);
  TlsSocket& s = socket_of(b);
  IoResult r = read_some(s.fd, {reinterpret_cast<std::uint8_t*>(out), static_cast<std::size_t>(len)});
  switch (r.kind) {
    case IoResult::Kind::done: return static_cast<int>(r.bytes);
    case IoResult::Kind::would_block: BIO_set_retry_read(b); return -1;
    case IoResult::Kind::closed: s.eof = true; return 0;
    case IoResult::Kind::error: s.error = r.error; return -1;
  }
  return -1;
}

int bio_write(BIO* b, const char* in, int len) {
  BIO_clear_retry_flags(b);
  TlsSocket& s = socket_of(b);
  IoResult r = write_some(s.fd, {reinterpret_cast<const std::uint8_t*>(in), static_cast<std::size_t>(len)});
  switch (r.kind) {
    case IoResult::Kind::done: return static_cast<int>(r.bytes);
    case IoResult::Kind::would_block: BIO_set_retry_write(b); return -1;
    case IoResult::Kind::closed: s.eof = true; return -1;
    case IoResult::Kind::error: s.error = r.error; return -1;
  }
  return -1;
}

long bio_ctrl(BIO* b, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;  // nothing is buffered here
    case BIO_CTRL_EOF: return socket_of(b).eof ? 1 : 0;
    default: return 0;
  }
}

int bio_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

const BIO_METHOD* method() {
  static BIO_METHOD* m = [] {
    BIO_METHOD* bm = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sluice socket");
    if (!bm) return bm;
    BIO_meth_set_read(bm, bio_read);
    BIO_meth_set_write(bm, bio_write);
    BIO_meth_set_ctrl(bm, bio_ctrl);
    BIO_meth_set_create(bm, bio_create);
    return bm;
  }();
  return m;
}

}  // namespace

BIO* new_tls_socket_bio(TlsSocket* socket) {
  const BIO_METHOD* m = method();
  BIO* b = m ? BIO_new(m) : nullptr;
  if (b) BIO_set_data(b, socket);
  return b;
}

}  // namespace sluice::detail
