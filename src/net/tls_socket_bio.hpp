// The BIO through which OpenSSL reads and writes a connection's non-blocking socket: reads with
// read_some, writes with sendmsg(MSG_NOSIGNAL) (a dead peer never raises SIGPIPE), and "try
// again" when the socket has nothing to give or no room, which OpenSSL turns into
// SSL_ERROR_WANT_READ or _WRITE. It remembers how the stream ended, so that a TLS error caused by
// the peer going away is reported as that.
#pragma once

#include <openssl/types.h>

namespace sluice::detail {

// The BIO's view of its socket (owned by whoever made the BIO, which must outlive it).
struct TlsSocket {
  int fd = -1;
  bool eof = false;  // the peer ended the stream (or reset it)
  int error = 0;     // errno of a read or write that failed otherwise
};

// A new BIO over `socket`; null when OpenSSL cannot make one. It closes nothing when freed.
BIO* new_tls_socket_bio(TlsSocket* socket);

}  // namespace sluice::detail
