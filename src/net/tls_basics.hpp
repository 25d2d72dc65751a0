// What the TLS code shares: owning handles for OpenSSL's objects, the settings every context
// gets (TLS 1.2 and 1.3 only, ALPN http/1.1, buffers released while idle), and OpenSSL's error
// queue turned into one line of text. OpenSSL's types stay out of every other header.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace sluice::detail {

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

// A context for one side with the settings every sluice context has: TLS 1.2 and 1.3 only, no
// renegotiation, no compression, read and write buffers released whenever they are empty
// (SSL_MODE_RELEASE_BUFFERS), a write retried from a buffer at another address
// (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: a retry gathers the same bytes again), no session cache.
// Throws std::runtime_error when OpenSSL cannot make one.
SslCtxPtr new_tls_context(bool server);

// The ALPN protocol sluice speaks, in wire format (a length byte, then the name).
inline constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

// The oldest error in this thread's OpenSSL error queue as text (its reason, such as "wrong
// version number"), or `fallback` when the queue is empty; the queue is emptied.
std::string take_tls_error(const char* fallback = "unknown error");

}  // namespace sluice::detail
